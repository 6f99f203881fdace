using System.Net;
using Terminator.ProxyProtocol;

namespace Terminator.Tests.ProxyProtocol;

public sealed class TrustedNetworksTests
{
    private static TrustedNetworks Of(params string[] cidrs) => new(cidrs.Select(IPNetwork.Parse));

    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("10.255.255.255", true)]
    [InlineData("11.0.0.0", false)]
    [InlineData("192.168.1.7", true)]
    [InlineData("192.168.1.8", false)]
    [InlineData("2001:db8:1::5", true)]
    [InlineData("2001:db9::5", false)]
    [InlineData("::ffff:10.9.9.9", true)]   // an IPv4 client on a dual-stack socket
    [InlineData("::ffff:11.9.9.9", false)]
    [InlineData("::ffff:172.16.0.1", true)] // matched through a network written IPv4-mapped
    [InlineData("172.16.0.1", true)]
    [InlineData("172.17.0.1", false)]
    [InlineData("::1", false)]
    public void Contains_MatchesByPrefix(string address, bool expected) =>
        Assert.Equal(expected, Of("10.0.0.0/8", "192.168.1.7/32", "2001:db8::/32", "::ffff:172.16.0.0/112").Contains(IPAddress.Parse(address)));

    [Fact]
    public void Contains_ZeroPrefixes_TrustTheirFamilyOnly()
    {
        Assert.True(Of("0.0.0.0/0").Contains(IPAddress.Parse("203.0.113.7")));
        Assert.False(Of("0.0.0.0/0").Contains(IPAddress.Parse("2001:db8::1")));
        Assert.True(Of("::/0").Contains(IPAddress.Parse("2001:db8::1")));
        Assert.False(Of("::/0").Contains(IPAddress.Parse("203.0.113.7")));
        Assert.False(Of("::/0").Contains(IPAddress.Parse("::ffff:203.0.113.7")));
    }

    [Fact]
    public void Contains_Empty_TrustsNobody()
    {
        TrustedNetworks none = Of();
        Assert.True(none.IsEmpty);
        Assert.False(none.Contains(IPAddress.Loopback));
    }

    [Fact]
    public void Contains_AllocatesNothing()
    {
        TrustedNetworks trusted = Of("10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32", "fd00::/8");
        IPAddress[] peers = [IPAddress.Parse("10.1.2.3"), IPAddress.Parse("203.0.113.7"), IPAddress.Parse("2001:db8::1"), IPAddress.Parse("::ffff:10.0.0.1")];
        for (int i = 0; i < 100; i++)
        {
            foreach (IPAddress peer in peers)
            {
                trusted.Contains(peer);
            }
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            foreach (IPAddress peer in peers)
            {
                trusted.Contains(peer);
            }
        }

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1000);
    }
}
