using Terminator.Domains;

namespace Terminator.Tests.Domains;

public sealed class DomainNameTests
{
    [Theory]
    [InlineData("click.example.com", "click.example.com")]
    [InlineData("Click.Example.COM", "click.example.com")]
    [InlineData("click.example.com.", "click.example.com")] // one trailing dot: the same name, fully qualified
    [InlineData("a.b", "a.b")]
    [InlineData("x-1.shop-2.example", "x-1.shop-2.example")]
    [InlineData("123.example", "123.example")] // a numeric label is fine, only the last one may not be all digits
    [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example")] // A-label of bücher
    [InlineData("XN--BCHER-KVA.example", "xn--bcher-kva.example")]
    [InlineData("email.xn--mnchen-3ya.de", "email.xn--mnchen-3ya.de")]
    public void TryNormalize_Valid_ReturnsTheNormalisedName(string input, string expected)
    {
        Assert.True(DomainName.TryNormalize(input, out string? name, out string? reason), reason);
        Assert.Equal(expected, name);
        Assert.True(DomainName.IsNormalized(expected));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData(".", "empty")]
    [InlineData("click.example.com..", "empty label")]
    [InlineData(".example.com", "empty label")]
    [InlineData("a..b.example", "empty label")]
    [InlineData("localhost", "single label")]
    [InlineData("*.example.com", "wildcards need a DNS-01 provider, which is not configured")]
    [InlineData("a.*.example.com", "wildcards need a DNS-01 provider")]
    [InlineData("1.2.3.4", "IP address")]
    [InlineData("127.1", "IP address")] // IPAddress.TryParse's shorthand
    [InlineData("0x7f.0.0.1", "IP address")]
    [InlineData("::1", "IP address")]
    [InlineData("[::1]", "IP address")]
    [InlineData("2001:db8::1", "IP address")]
    [InlineData("example.123", "all-numeric label")]
    [InlineData("-click.example.com", "hyphen")]
    [InlineData("click-.example.com", "hyphen")]
    [InlineData("click_1.example.com", "contains '_'")]
    [InlineData("click example.com", "contains U+0020")]
    [InlineData("click\n.example.com", "contains U+000A")]
    [InlineData("a/b.example.com", "contains '/'")]
    [InlineData("ab--cd.example.com", "reserved for IDNA")]
    [InlineData("xn--zz.example", "invalid A-label")]
    [InlineData("bücher.example", "not ASCII: send the IDNA A-label")]
    [InlineData("ＥＸＡＭＰＬＥ.com", "not ASCII")]
    public void TryNormalize_Invalid_GivesAOneLineReason(string input, string reasonPart)
    {
        Assert.False(DomainName.TryNormalize(input, out string? name, out string? reason));
        Assert.Null(name);
        Assert.Contains(reasonPart, reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', reason);
    }

    [Fact]
    public void TryNormalize_Lengths_FollowRfc1035()
    {
        string label63 = new('a', 63);
        Assert.True(DomainName.TryNormalize($"{label63}.example", out _, out _));
        Assert.False(DomainName.TryNormalize($"{label63}a.example", out _, out string? labelReason));
        Assert.Contains("label of 64 characters", labelReason, StringComparison.Ordinal);

        // 253 characters is the longest name (255 octets on the wire); a trailing dot does not count.
        string name253 = string.Join('.', Enumerable.Repeat(new string('b', 49), 5)) + ".abc";
        Assert.Equal(253, name253.Length);
        Assert.True(DomainName.TryNormalize(name253, out _, out string? okReason), okReason);
        Assert.True(DomainName.TryNormalize(name253 + ".", out _, out _));
        Assert.False(DomainName.TryNormalize(name253 + "e", out _, out string? tooLong));
        Assert.Contains("254 characters", tooLong, StringComparison.Ordinal);

        // A huge input is not echoed back whole.
        Assert.False(DomainName.TryNormalize(new string('x', 70_000), out _, out string? huge));
        Assert.True(huge!.Length < 400, huge);
    }

    [Fact]
    public void IdnMapping_UnderInvariantGlobalization_DoesNotMapAsBrowsersDo()
    {
        // Why U-labels are refused rather than converted: with InvariantGlobalization (as the projects run) IdnMapping
        // encodes Punycode without UTS #46 mapping, so an upper-case or decomposed U-label yields another domain's A-label.
        var idn = new System.Globalization.IdnMapping();
        Assert.Equal("xn--bcher-kva.example", idn.GetAscii("bücher.example"));
        Assert.NotEqual("xn--bcher-kva.example", idn.GetAscii("BÜCHER.example"));
        Assert.NotEqual("xn--bcher-kva.example", idn.GetAscii("bu\u0308cher.example"));
    }
}
