using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

public sealed class EnvironmentValueParserTests
{
    [Theory]
    [InlineData("ABC", "ABC", 0)]
    [InlineData("abc", "ABC", 0)]
    [InlineData("TERMINATOR_IDLE_TIMOUT", "TERMINATOR_IDLE_TIMEOUT", 1)]
    [InlineData("", "abc", 3)]
    public void EditDistance_CaseInsensitiveLevenshtein(string a, string b, int expected) =>
        Assert.Equal(expected, EnvironmentValueParser.EditDistance(a, b));
}
