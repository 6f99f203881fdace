using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

/// <summary>TERMINATOR_MEMORY_TRIM.</summary>
public sealed partial class TerminatorEnvironmentTests
{
    [Theory]
    [InlineData("", true)]
    [InlineData("on", true)]
    [InlineData("OFF", false)]
    public void TryLoad_MemoryTrim_Parsed(string value, bool expected)
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_MEMORY_TRIM", value)), out TerminatorOptions? options, out string? error), error);
        Assert.Equal(expected, options.MemoryTrim);
    }

    [Fact]
    public void TryLoad_MemoryTrimUnknown_OneLineNamingTheVariable()
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_MEMORY_TRIM", "yes")), out _, out string? error));
        Assert.Equal("TERMINATOR_MEMORY_TRIM: 'yes' is not on or off", error);
    }
}
