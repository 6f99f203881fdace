using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

/// <summary>TERMINATOR_LOG_FORMAT.</summary>
public sealed partial class TerminatorEnvironmentTests
{
    [Theory]
    [InlineData("", "text")]
    [InlineData("text", "text")]
    [InlineData("JSON", "json")]
    public void TryLoad_LogFormat_Parsed(string value, string expected)
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_LOG_FORMAT", value)), out TerminatorOptions? options, out string? error), error);
        Assert.Equal(expected, options.LogFormat);
    }

    [Fact]
    public void TryLoad_LogFormatUnknown_OneLineNamingTheVariable()
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_LOG_FORMAT", "logfmt")), out _, out string? error));
        Assert.Equal("TERMINATOR_LOG_FORMAT: 'logfmt' is not a log format (expected text or json)", error);
    }
}
