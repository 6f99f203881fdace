using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

/// <summary>TERMINATOR_HSTS, TERMINATOR_HTTP_REDIRECT and TERMINATOR_SERVER_HEADER: defaults, values, start-up errors.</summary>
public sealed partial class TerminatorEnvironmentTests
{
    [Fact]
    public void TryLoad_ResponsePolicyDefaults_NoHstsNoRedirectServerStripped()
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(), out TerminatorOptions? options, out string? error), error);

        Assert.Null(options.Responses.StrictTransportSecurity);
        Assert.False(options.Responses.RedirectHttpToHttps);
        Assert.True(options.Responses.StripServerHeaders);
    }

    [Theory]
    [InlineData("max-age=31536000; includeSubDomains", "max-age=31536000; includeSubDomains")]
    [InlineData("max-age=600", "max-age=600")]
    [InlineData("  MAX-AGE = 600 ;includesubdomains;  ", "max-age=600; includeSubDomains")]
    [InlineData("includeSubDomains; max-age=\"86400\"", "max-age=86400; includeSubDomains")]
    [InlineData("max-age=63072000; includeSubDomains; preload", "max-age=63072000; includeSubDomains; preload")]
    [InlineData("max-age=0", "max-age=0")]
    public void TryLoad_Hsts_ValidValue_Normalised(string value, string expected)
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_HSTS", value)), out TerminatorOptions? options, out string? error), error);

        Assert.Equal(expected, options.Responses.StrictTransportSecurity);
    }

    [Theory]
    [InlineData("off")]
    [InlineData("OFF")]
    [InlineData("")]
    public void TryLoad_Hsts_OffOrEmpty_None(string value)
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_HSTS", value)), out TerminatorOptions? options, out string? error), error);

        Assert.Null(options.Responses.StrictTransportSecurity);
    }

    [Theory]
    [InlineData("includeSubDomains", "has no max-age")]
    [InlineData("on", "unknown directive 'on'")]
    [InlineData("max-age=1y", "max-age must be a number of seconds")]
    [InlineData("max-age=", "max-age must be a number of seconds")]
    [InlineData("max-age=-1", "max-age must be a number of seconds")]
    [InlineData("max-age=9999999999999999999", "max-age must be a number of seconds")]
    [InlineData("max-age=600; includeSubdomain", "unknown directive 'includeSubdomain'")]
    [InlineData("max-age=600; max-age=700", "names max-age twice")]
    [InlineData("max-age=600; includeSubDomains; includeSubDomains", "names includeSubDomains twice")]
    [InlineData("max-age=600; preload=yes", "preload takes no value")]
    [InlineData("max-age=31536000; preload", "preload needs includeSubDomains")]
    [InlineData("max-age=600; includeSubDomains; preload", "preload needs includeSubDomains and max-age of at least 31536000")]
    [InlineData("max-age=600\r\nSet-Cookie: a=b", "max-age must be a number of seconds")]
    public void TryLoad_Hsts_BadValue_ErrorNamesVariableAndProblem(string value, string problem)
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_HSTS", value)), out _, out string? error));

        Assert.StartsWith("TERMINATOR_HSTS: ", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("on", true)]
    [InlineData("ON", true)]
    [InlineData("off", false)]
    public void TryLoad_HttpRedirect_OnOff(string value, bool expected)
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_HTTP_REDIRECT", value)), out TerminatorOptions? options, out string? error), error);

        Assert.Equal(expected, options.Responses.RedirectHttpToHttps);
    }

    [Theory]
    [InlineData("strip", true)]
    [InlineData("Pass", false)]
    public void TryLoad_ServerHeader_StripOrPass(string value, bool expected)
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_SERVER_HEADER", value)), out TerminatorOptions? options, out string? error), error);

        Assert.Equal(expected, options.Responses.StripServerHeaders);
    }

    [Theory]
    [InlineData("TERMINATOR_HTTP_REDIRECT", "yes", "expected on or off")]
    [InlineData("TERMINATOR_HTTP_REDIRECT", "301", "expected on or off")]
    [InlineData("TERMINATOR_SERVER_HEADER", "hide", "expected strip or pass")]
    public void TryLoad_RedirectOrServerHeader_BadValue_ErrorNamesVariable(string name, string value, string problem)
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env((name, value)), out _, out string? error));

        Assert.StartsWith($"{name}: '{value}'", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }
}
