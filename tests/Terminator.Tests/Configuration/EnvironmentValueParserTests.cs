using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

public sealed class EnvironmentValueParserTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("10", 10_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1MS", 1)]
    public void TryParseDuration_Valid_Parses(string text, long expectedMs)
    {
        Assert.Null(EnvironmentValueParser.TryParseDuration(text, TimeSpan.FromHours(2), out TimeSpan value));
        Assert.Equal(expectedMs, (long)value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("1h", "1h")]
    [InlineData("90s", "90s")]
    [InlineData("120s", "2m")]
    [InlineData("1500ms", "1500ms")]
    public void FormatDuration_RoundTrips(string text, string expected)
    {
        Assert.Null(EnvironmentValueParser.TryParseDuration(text, TimeSpan.FromDays(1), out TimeSpan value));
        Assert.Equal(expected, EnvironmentValueParser.FormatDuration(value));
    }

    [Theory]
    [InlineData("ABC", "ABC", 0)]
    [InlineData("abc", "ABC", 0)]
    [InlineData("TERMINATOR_IDLE_TIMOUT", "TERMINATOR_IDLE_TIMEOUT", 1)]
    [InlineData("", "abc", 3)]
    public void EditDistance_CaseInsensitiveLevenshtein(string a, string b, int expected) =>
        Assert.Equal(expected, EnvironmentValueParser.EditDistance(a, b));
}
