using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

/// <summary>TERMINATOR_PROXY_PROTOCOL and TERMINATOR_PROXY_TRUSTED: modes, the CIDR list, and the rule between them.</summary>
public sealed partial class TerminatorEnvironmentTests
{
    [Fact]
    public void TryLoad_ProxyProtocolDefault_OffWithNoTrustedNetworks()
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(), out TerminatorOptions? options, out string? error), error);

        Assert.Equal(ProxyProtocolMode.Off, options.ProxyProtocol.Mode);
        Assert.False(options.ProxyProtocol.Enabled);
        Assert.Empty(options.ProxyProtocol.TrustedNetworks);
    }

    [Theory]
    [InlineData("v1", ProxyProtocolMode.V1)]
    [InlineData("V2", ProxyProtocolMode.V2)]
    [InlineData("any", ProxyProtocolMode.Any)]
    [InlineData("off", ProxyProtocolMode.Off)]
    public void TryLoad_ProxyProtocolMode_Parsed(string value, object expected)
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_PROXY_PROTOCOL", value), ("TERMINATOR_PROXY_TRUSTED", "10.0.0.0/8")),
            out TerminatorOptions? options, out string? error), error);

        Assert.Equal((ProxyProtocolMode)expected, options.ProxyProtocol.Mode);
    }

    [Fact]
    public void TryLoad_TrustedList_IPv4IPv6AndBareHosts()
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_PROXY_PROTOCOL", "any"),
            ("TERMINATOR_PROXY_TRUSTED", " 10.0.0.0/8, 192.168.1.7 ,2001:db8::/32,::1,0.0.0.0/0, 10.0.0.0/8")), out TerminatorOptions? options, out string? error), error);

        Assert.Equal(["10.0.0.0/8", "192.168.1.7/32", "2001:db8::/32", "::1/128", "0.0.0.0/0"],
            options.ProxyProtocol.TrustedNetworks.Select(n => n.ToString()));
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    [InlineData("any")]
    public void TryLoad_ModeWithoutTrusted_RequiresTrusted(string mode)
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_PROXY_PROTOCOL", mode)), out _, out string? error));

        Assert.Equal($"TERMINATOR_PROXY_TRUSTED: required when TERMINATOR_PROXY_PROTOCOL={mode} (the balancers' networks, e.g. 10.0.0.0/8)", error);
    }

    [Fact]
    public void TryLoad_TrustedWhileOff_Accepted()
    {
        // Preparing the list before switching the mode on is harmless: nothing reads a header while it is off.
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_PROXY_TRUSTED", "10.0.0.0/8")), out TerminatorOptions? options, out string? error), error);
        Assert.False(options.ProxyProtocol.Enabled);
    }

    [Theory]
    [InlineData("TERMINATOR_PROXY_PROTOCOL", "v3", "TERMINATOR_PROXY_PROTOCOL: 'v3' is not a mode (expected off, v1, v2 or any)")]
    [InlineData("TERMINATOR_PROXY_PROTOCOL", "on", "TERMINATOR_PROXY_PROTOCOL: 'on' is not a mode (expected off, v1, v2 or any)")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "10.0.0.1/8", "TERMINATOR_PROXY_TRUSTED: '10.0.0.1/8' has address bits set after the /8 prefix (did you mean 10.0.0.0/8?)")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "2001:db8::1/32", "TERMINATOR_PROXY_TRUSTED: '2001:db8::1/32' has address bits set after the /32 prefix (did you mean 2001:db8::/32?)")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "10.0.0.0/33", "TERMINATOR_PROXY_TRUSTED: '10.0.0.0/33' is not a CIDR: the prefix length must be 0..32")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "2001:db8::/129", "'2001:db8::/129' is not a CIDR: the prefix length must be 0..128")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "10.0.0.0/", "'10.0.0.0/' is not a CIDR: the prefix length must be 0..32")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "10.0.0.0/08", "'10.0.0.0/08' is not a CIDR: the prefix length must be 0..32")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "10.0.0.0/-1", "'10.0.0.0/-1' is not a CIDR")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "010.0.0.0/8", "'010.0.0.0/8' is not a CIDR: '010.0.0.0' is not an IPv4 or IPv6 address")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "10.0/16", "'10.0/16' is not a CIDR: '10.0' is not an IPv4 or IPv6 address")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "0x0a.0.0.0/8", "'0x0a.0.0.0/8' is not a CIDR")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "10.0.0.256/32", "'10.0.0.256/32' is not a CIDR")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "fe80::1%eth0/128", "'fe80::1%eth0/128' is not a CIDR")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "balancer.internal", "'balancer.internal' is not a CIDR")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "10.0.0.0/8,,10.1.0.0/16", "TERMINATOR_PROXY_TRUSTED: '10.0.0.0/8,,10.1.0.0/16' has an empty entry")]
    [InlineData("TERMINATOR_PROXY_TRUSTED", "10.0.0.0/8,", "has an empty entry")]
    public void TryLoad_BadProxyProtocolValue_OneLineNamingTheVariable(string name, string value, string expected)
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_PROXY_PROTOCOL", "any"), ("TERMINATOR_PROXY_TRUSTED", "10.0.0.0/8"), (name, value)),
            out _, out string? error));

        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.StartsWith(name + ": ", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error!);
    }
}
