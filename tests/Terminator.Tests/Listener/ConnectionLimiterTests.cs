using System.Net;
using Terminator.Listener;

namespace Terminator.Tests.Listener;

public sealed class ConnectionLimiterTests
{
    private static ConnectionLimiter Create(int perClient, int prefix = ConnectionLimiter.DefaultIPv6PrefixLength) =>
        new(maxTotal: 100, perClient, prefix);

    [Fact]
    public void Ipv6_TwoAddressesInOneSlash64_ShareThePerIpBudget()
    {
        var limiter = Create(2);
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:2::1")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:2:ffff:ffff:ffff:ffff")));
        Assert.False(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:2:abcd::9")));
        Assert.Equal(1, limiter.TrackedAddresses);
    }

    [Fact]
    public void Ipv6_DifferentSlash64s_SeparateBudgets()
    {
        var limiter = Create(1);
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:2::1")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:3::1")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db9:1:2::1")));
        Assert.False(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:3::2")));
        Assert.Equal(3, limiter.TrackedAddresses);
    }

    [Fact]
    public void Ipv4_KeyedByFullAddress_MappedFormSharesTheBudget()
    {
        var limiter = Create(2, prefix: 32);
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.0.2.1")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.0.2.2"))); // a /32 IPv6 prefix never widens IPv4
        Assert.True(limiter.TryAcquire(IPAddress.Parse("::ffff:192.0.2.1")));
        Assert.False(limiter.TryAcquire(IPAddress.Parse("192.0.2.1")));
        Assert.False(limiter.TryAcquire(IPAddress.Parse("::ffff:192.0.2.1")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.0.2.2")));
        Assert.Equal(2, limiter.TrackedAddresses);
    }

    [Fact]
    public void Ipv4AndIpv6Prefix_NeverShareABudget()
    {
        // ::/64 contains no IPv4-mapped address, and ::ffff:0:0/96 is keyed unmasked: the two key spaces are disjoint.
        var limiter = Create(1, prefix: 32);
        Assert.True(limiter.TryAcquire(IPAddress.Parse("0.0.0.1")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("::1")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("::ffff:0:0"))); // 0.0.0.0
        Assert.Equal(3, limiter.TrackedAddresses);
    }

    [Theory]
    [InlineData(128, "2001:db8::1", "2001:db8::2", false)]
    [InlineData(56, "2001:db8:0:12::1", "2001:db8:0:ff::1", true)]
    [InlineData(56, "2001:db8:0:12::1", "2001:db8:0:100::1", false)]
    [InlineData(48, "2001:db8:1:ffff::1", "2001:db8:1::", true)]
    public void Ipv6_ConfiguredPrefix_DecidesWhoShares(int prefix, string first, string second, bool shared)
    {
        var limiter = Create(1, prefix);
        Assert.True(limiter.TryAcquire(IPAddress.Parse(first)));
        Assert.Equal(!shared, limiter.TryAcquire(IPAddress.Parse(second)));
    }

    [Fact]
    public void Release_LastConnectionOfAPrefix_FreesTheSlotForAnyAddressInIt()
    {
        var limiter = Create(1);
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8::1")));
        limiter.Release(IPAddress.Parse("2001:db8::1"));
        Assert.Equal(0, limiter.TrackedAddresses);
        Assert.Equal(0, limiter.Total);
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8::2")));
    }

    [Fact]
    public void AcquireRelease_OnAKnownClient_AllocatesZeroBytes()
    {
        var limiter = new ConnectionLimiter(1000, 1000, ConnectionLimiter.DefaultIPv6PrefixLength);
        IPAddress held = IPAddress.Parse("2001:db8::1");
        IPAddress other = IPAddress.Parse("2001:db8::2");
        IPAddress v4 = IPAddress.Parse("192.0.2.1");
        Assert.True(limiter.TryAcquire(held));
        Assert.True(limiter.TryAcquire(v4));
        for (int i = 0; i < 100; i++)
        {
            limiter.TryAcquire(other);
            limiter.Release(other);
            limiter.TryAcquire(v4);
            limiter.Release(v4);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            limiter.TryAcquire(other);
            limiter.Release(other);
            limiter.TryAcquire(v4);
            limiter.Release(v4);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(129)]
    public void Constructor_PrefixOutOfRange_Throws(int prefix)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionLimiter(1, 1, prefix));
    }
}
