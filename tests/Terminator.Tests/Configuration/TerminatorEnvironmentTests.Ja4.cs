using System.Text;
using Terminator.Configuration;
using Terminator.Http;

namespace Terminator.Tests.Configuration;

/// <summary>TERMINATOR_JA4_HEADER.</summary>
public sealed partial class TerminatorEnvironmentTests
{
    [Theory]
    [InlineData("", null)]
    [InlineData("off", null)]
    [InlineData("X-JA4", "X-JA4")]
    [InlineData("x_ja4", "x_ja4")]
    [InlineData("  X-Client-Fingerprint  ", "X-Client-Fingerprint")]
    public void TryLoad_Ja4Header_Parsed(string value, string? expected)
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_JA4_HEADER", value)), out TerminatorOptions? options, out string? error), error);
        Assert.Equal(expected, options.Ja4Header);
    }

    [Theory]
    [InlineData("X JA4")]        // not a token
    [InlineData("X-JA4:")]
    [InlineData("X-JÄ4")]
    [InlineData("Host")]         // framing and routing
    [InlineData("content-length")]
    [InlineData("Transfer_Encoding")]
    [InlineData("CONNECTION")]   // hop-by-hop
    [InlineData("Upgrade")]
    [InlineData("X-Forwarded-For")] // rewritten by Terminator
    [InlineData("User-Agent")]   // read by the tracking server and the cache
    public void TryLoad_Ja4HeaderNotUsable_OneLineNamingTheVariable(string value)
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_JA4_HEADER", value)), out _, out string? error));
        Assert.StartsWith("TERMINATOR_JA4_HEADER: '", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void TryLoad_Ja4HeaderTooLong_Refused()
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_JA4_HEADER", "X-" + new string('a', 63))), out _, out string? error));
        Assert.Contains("longer than 64", error, StringComparison.Ordinal);
    }

    /// <summary>Every name the proxy treats specially (<see cref="HeaderKindClassifier"/>) is refused, so the header
    /// writer may assume the configured one is an ordinary field; checked against the classifier, not a copy of its list.</summary>
    [Fact]
    public void ValidateJa4Header_EveryNameTheProxyClassifies_Refused()
    {
        string[] candidates =
        [
            "TE", "Host", "Expect", "Server", "Trailer", "Upgrade", "Forwarded", "X-Real-IP", "Connection", "Keep-Alive",
            "X-Powered-By", "Content-Length", "X-Forwarded-For", "Proxy-Connection", "X-Forwarded-Host", "X-Forwarded-Port",
            "Transfer-Encoding", "X-Forwarded-Proto", "Strict-Transport-Security",
        ];
        foreach (HeaderKind kind in Enum.GetValues<HeaderKind>().Where(k => k != HeaderKind.Other))
        {
            Assert.Contains(candidates, c => HeaderKindClassifier.Classify(Encoding.ASCII.GetBytes(c)) == kind);
        }

        foreach (string name in candidates)
        {
            foreach (string spelling in new[] { name, name.ToLowerInvariant(), name.ToUpperInvariant(), name.Replace('-', '_') })
            {
                Assert.NotNull(TerminatorEnvironment.ValidateJa4Header(spelling));
            }
        }
    }
}
