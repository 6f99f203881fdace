using System.Net;
using Terminator.Listener;

namespace Terminator.Tests.Listener;

/// <summary>The per-client charge a connection carries, and how a step moves it to the client a balancer names.</summary>
public sealed class ConnectionContextClientTests
{
    private static readonly IPEndPoint s_balancer = IPEndPoint.Parse("10.0.0.5:40000");
    private static readonly IPEndPoint s_local = IPEndPoint.Parse("10.0.0.9:443");

    [Fact]
    public void TrySetClient_ForwardedConnection_ChargesTheClientOnly()
    {
        var limiter = new ConnectionLimiter(maxTotal: 10, maxPerAddress: 1, ipv6PrefixLength: 64);
        using var drain = new ConnectionDrain();
        Assert.True(limiter.TryAcquireTotal());
        var connection = new ConnectionContext(Stream.Null, s_balancer, s_local, drain, limiter, remoteCharged: false);
        Assert.Null(connection.ChargedAddress);

        Assert.True(connection.TrySetClient(IPEndPoint.Parse("203.0.113.7:51234")));

        Assert.Equal(IPEndPoint.Parse("203.0.113.7:51234"), connection.RemoteEndPoint);
        Assert.Equal(IPAddress.Parse("203.0.113.7"), connection.ChargedAddress);
        Assert.False(limiter.TryAcquireAddress(IPAddress.Parse("203.0.113.7"))); // the client's one slot is taken
        Assert.True(limiter.TryAcquireAddress(s_balancer.Address));               // the balancer's is not
    }

    [Fact]
    public void TrySetClient_ClientAtItsLimit_RefusedWithNothingChanged()
    {
        var limiter = new ConnectionLimiter(maxTotal: 10, maxPerAddress: 1, ipv6PrefixLength: 64);
        using var drain = new ConnectionDrain();
        Assert.True(limiter.TryAcquire(s_balancer.Address));
        var connection = new ConnectionContext(Stream.Null, s_balancer, s_local, drain, limiter, remoteCharged: true);
        Assert.True(limiter.TryAcquireAddress(IPAddress.Parse("203.0.113.7")));

        Assert.False(connection.TrySetClient(IPEndPoint.Parse("203.0.113.7:51234")));

        Assert.Equal(s_balancer, connection.RemoteEndPoint);
        Assert.Equal(s_balancer.Address, connection.ChargedAddress);
        Assert.Equal(2, limiter.TrackedAddresses);
    }

    [Fact]
    public void TrySetClient_ReplacesAnEarlierCharge()
    {
        var limiter = new ConnectionLimiter(maxTotal: 10, maxPerAddress: 1, ipv6PrefixLength: 64);
        using var drain = new ConnectionDrain();
        Assert.True(limiter.TryAcquire(s_balancer.Address));
        var connection = new ConnectionContext(Stream.Null, s_balancer, s_local, drain, limiter, remoteCharged: true);

        Assert.True(connection.TrySetClient(IPEndPoint.Parse("[2001:db8::7]:1")));
        limiter.ReleaseAddress(connection.ChargedAddress!);
        limiter.ReleaseTotal();

        Assert.Equal(0, limiter.TrackedAddresses);
        Assert.Equal(0, limiter.Total);
    }

    [Fact]
    public void TrySetClient_WithoutALimiter_OnlyReplacesThePeer()
    {
        using var drain = new ConnectionDrain();
        var connection = new ConnectionContext(Stream.Null, s_balancer, s_local, drain);

        Assert.True(connection.TrySetClient(IPEndPoint.Parse("203.0.113.7:1")));
        Assert.Equal(IPEndPoint.Parse("203.0.113.7:1"), connection.RemoteEndPoint);
        Assert.Null(connection.ChargedAddress);
    }

    [Fact]
    public void TotalAndAddress_CountedSeparately()
    {
        var limiter = new ConnectionLimiter(maxTotal: 2, maxPerAddress: 5, ipv6PrefixLength: 64);
        Assert.True(limiter.TryAcquireTotal());
        Assert.True(limiter.TryAcquireTotal());
        Assert.False(limiter.TryAcquireTotal());
        Assert.False(limiter.TryAcquire(IPAddress.Loopback));
        Assert.Equal(0, limiter.TrackedAddresses); // a refused TryAcquire charged no address
        Assert.True(limiter.TryAcquireAddress(IPAddress.Loopback));
        Assert.Equal(2, limiter.Total);
    }
}
