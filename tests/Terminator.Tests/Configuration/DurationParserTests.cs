using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

/// <summary>The one duration syntax, shared by TERMINATOR_* variables and <c>certs list --expiring-within</c>.</summary>
public sealed class DurationParserTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("14d", 1_209_600_000)]
    [InlineData("1MS", 1)]
    [InlineData("2D", 172_800_000)]
    [InlineData(" 7s ", 7_000)]
    public void TryParse_NumberWithUnit_Parses(string text, long expectedMs)
    {
        Assert.Null(DurationParser.TryParse(text, TimeSpan.FromDays(30), out TimeSpan value));
        Assert.Equal(expectedMs, (long)value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("10", "'10' has no unit (a whole number with a unit: 500ms, 30s, 5m, 1h, 14d)")]
    [InlineData("0", "'0' has no unit")]
    [InlineData("10x", "'10x' is not a duration (a whole number with a unit: 500ms, 30s, 5m, 1h, 14d)")]
    [InlineData("2w", "is not a duration")]
    [InlineData("", "is not a duration")]
    [InlineData("s", "is not a duration")]
    [InlineData("-5s", "is not a duration")]
    [InlineData("1.5h", "is not a duration")]
    [InlineData("1e3s", "is not a duration")]
    [InlineData("0d", "'0d' must be greater than zero")]
    [InlineData("31d", "'31d' is too long (maximum 30d)")]
    [InlineData("999999999999d", "is too long (maximum 30d)")]
    public void TryParse_Invalid_SaysWhy(string text, string expected)
    {
        Assert.Contains(expected, DurationParser.TryParse(text, TimeSpan.FromDays(30), out _), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1d", "1d")]
    [InlineData("24h", "1d")]
    [InlineData("1h", "1h")]
    [InlineData("90s", "90s")]
    [InlineData("120s", "2m")]
    [InlineData("1500ms", "1500ms")]
    public void Format_RoundTripsWithTheLargestExactUnit(string text, string expected)
    {
        Assert.Null(DurationParser.TryParse(text, TimeSpan.FromDays(1), out TimeSpan value));
        Assert.Equal(expected, DurationParser.Format(value));
        Assert.Null(DurationParser.TryParse(DurationParser.Format(value), TimeSpan.FromDays(1), out TimeSpan again));
        Assert.Equal(value, again);
    }
}
