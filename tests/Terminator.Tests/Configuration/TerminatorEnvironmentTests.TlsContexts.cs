using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

/// <summary>TERMINATOR_SSL_CTX_PIN and TERMINATOR_CERT_PREWARM: default, values, start-up errors.</summary>
public sealed partial class TerminatorEnvironmentTests
{
    [Fact]
    public void TryLoad_SslContextPinDefault_On()
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(), out TerminatorOptions? options, out string? error), error);

        Assert.True(options.SslContextPin);
    }

    [Theory]
    [InlineData("on", true)]
    [InlineData("OFF", false)]
    [InlineData("off", false)]
    public void TryLoad_SslContextPin_OnOrOff(string value, bool expected)
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_SSL_CTX_PIN", value)), out TerminatorOptions? options, out string? error), error);

        Assert.Equal(expected, options.SslContextPin);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("1")]
    [InlineData("pinned")]
    public void TryLoad_SslContextPin_BadValue_ErrorNamesVariable(string value)
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_SSL_CTX_PIN", value)), out _, out string? error));

        Assert.StartsWith($"TERMINATOR_SSL_CTX_PIN: '{value}'", error, StringComparison.Ordinal);
        Assert.Contains("expected on or off", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_CertPrewarmDefault_On_OffTurnsItOff_BadValueNamesTheVariable()
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(), out TerminatorOptions? options, out string? error), error);
        Assert.True(options.CertPrewarm);

        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_CERT_PREWARM", "off")), out options, out error), error);
        Assert.False(options.CertPrewarm);

        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_CERT_PREWARM", "eager")), out _, out error));
        Assert.StartsWith("TERMINATOR_CERT_PREWARM: 'eager'", error, StringComparison.Ordinal);
    }
}
