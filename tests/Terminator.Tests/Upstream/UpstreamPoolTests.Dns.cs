using System.Net;
using System.Net.Sockets;
using Terminator.Tests.TestHelpers;
using Terminator.Upstream;

namespace Terminator.Tests.Upstream;

// Resolution: lazy, single-flight, TTL-driven refresh, failure handling and round-robin over all addresses.
public partial class UpstreamPoolTests
{
    private static readonly IPAddress First = IPAddress.Parse("127.0.0.1");
    private static readonly IPAddress Second = IPAddress.Parse("127.0.0.2"); // also loopback on Linux

    /// <summary>A resolver whose answer the test swaps; counts lookups and can fail on demand.</summary>
    private sealed class FakeDns
    {
        public volatile IPAddress[] Answer = [First];
        public volatile bool Fail;
        public int Calls;

        public ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            Assert.Equal("tracker.internal", host);
            Interlocked.Increment(ref Calls);
            return Fail ? ValueTask.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)) : new ValueTask<IPAddress[]>(Answer);
        }
    }

    private static UpstreamPoolOptions NamedOptions(int port) => new()
    {
        Host = "tracker.internal",
        Port = port,
        DnsTtl = TimeSpan.FromSeconds(10),
        IdleTimeout = TimeSpan.FromHours(1),
    };

    [Fact]
    public async Task RentAsync_AfterTtlAddressChanged_NewConnectionsGoToNewAddressAndOldIdleDrained()
    {
        await using var server = new HttpTestResponder(First, Second);
        var time = new ManualTimeProvider();
        var dns = new FakeDns();
        await using var pool = new UpstreamPool(NamedOptions(server.Port), time, dns.ResolveAsync);
        UpstreamConnection old = await pool.RentAsync(Timeout5s());
        Assert.Equal(First, old.RemoteEndPoint.Address);
        await ExchangeAsync(old);
        pool.Return(old);

        time.Advance(TimeSpan.FromSeconds(5));
        pool.Return(await pool.RentAsync(Timeout5s()));
        Assert.Equal(1, dns.Calls); // still within the TTL

        dns.Answer = [Second];
        time.Advance(TimeSpan.FromSeconds(6));
        pool.Return(await pool.RentAsync(Timeout5s())); // triggers the background refresh
        await pool.PendingResolution;
        Assert.Equal(2, dns.Calls);
        Assert.Equal(0, pool.IdleCount); // the idle connection to the vanished address was drained

        UpstreamConnection fresh = await pool.RentAsync(Timeout5s());
        Assert.Equal(Second, fresh.RemoteEndPoint.Address);
        await ExchangeAsync(fresh);
        Assert.Equal(1, server.AcceptedBy(Second));
        Assert.True(await Eventually.TrueAsync(() => server.ClosedByClient == 1), "the drained idle connection was not closed");
    }

    [Fact]
    public async Task RentAsync_RefreshFails_KeepsLastGoodAddresses()
    {
        await using var server = new HttpTestResponder();
        var time = new ManualTimeProvider();
        var dns = new FakeDns();
        await using var pool = new UpstreamPool(NamedOptions(server.Port), time, dns.ResolveAsync);
        pool.Return(await pool.RentAsync(Timeout5s()));

        dns.Fail = true;
        time.Advance(TimeSpan.FromSeconds(11));
        pool.Return(await pool.RentAsync(Timeout5s()));
        await pool.PendingResolution;
        Assert.Equal(2, dns.Calls);

        UpstreamConnection fresh = await pool.RentNewAsync(Timeout5s());
        Assert.Equal(First, fresh.RemoteEndPoint.Address);
        await ExchangeAsync(fresh);
        Assert.Equal(2, dns.Calls); // no retry storm: the next attempt waits another TTL
    }

    [Fact]
    public async Task RentAsync_InitialResolutionFails_ThrowsConnectExceptionAndRetriesNextRent()
    {
        await using var server = new HttpTestResponder();
        var dns = new FakeDns { Fail = true };
        await using var pool = new UpstreamPool(NamedOptions(server.Port), resolver: dns.ResolveAsync);

        UpstreamConnectException e = await Assert.ThrowsAsync<UpstreamConnectException>(() => pool.RentAsync(Timeout5s()).AsTask());
        Assert.Contains("tracker.internal", e.Message, StringComparison.Ordinal);
        Assert.IsType<SocketException>(e.InnerException);

        dns.Fail = false;
        UpstreamConnection connection = await pool.RentAsync(Timeout5s());
        await ExchangeAsync(connection);
        Assert.Equal(2, dns.Calls);
    }

    [Fact]
    public async Task RentAsync_EmptyAnswer_ThrowsConnectException()
    {
        var dns = new FakeDns { Answer = [] };
        await using var pool = new UpstreamPool(NamedOptions(9), resolver: dns.ResolveAsync);
        UpstreamConnectException e = await Assert.ThrowsAsync<UpstreamConnectException>(() => pool.RentAsync(Timeout5s()).AsTask());
        Assert.Contains("no usable addresses", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RentAsync_ConcurrentFirstRents_ResolveOnce()
    {
        await using var server = new HttpTestResponder();
        var gate = new TaskCompletionSource<IPAddress[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        int calls = 0;
        await using var pool = new UpstreamPool(NamedOptions(server.Port), resolver: (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return new ValueTask<IPAddress[]>(gate.Task);
        });

        Task<UpstreamConnection>[] rents = [.. Enumerable.Range(0, 5).Select(_ => pool.RentAsync(Timeout5s()).AsTask())];
        // The lookup runs on the thread pool: wait until it has reached the resolver. Until the gate opens, nothing can
        // complete a rent; a rent that started a lookup of its own would show up in the count below.
        Assert.True(await Eventually.TrueAsync(() => Volatile.Read(ref calls) > 0), "the resolver was never called");
        Assert.All(rents, r => Assert.False(r.IsCompleted));
        gate.SetResult([First]);

        UpstreamConnection[] connections = await Task.WhenAll(rents);
        Assert.Equal(1, calls);
        Assert.Equal(5, connections.Distinct().Count());
    }

    [Fact]
    public async Task RentAsync_TwoAddresses_NewConnectionsRoundRobin()
    {
        await using var server = new HttpTestResponder(First, Second);
        var dns = new FakeDns { Answer = [First, Second, First] }; // duplicates are ignored
        await using var pool = new UpstreamPool(NamedOptions(server.Port), resolver: dns.ResolveAsync);

        var connections = new List<UpstreamConnection>();
        for (int i = 0; i < 4; i++)
        {
            UpstreamConnection connection = await pool.RentAsync(Timeout5s());
            await ExchangeAsync(connection);
            connections.Add(connection);
        }

        Assert.Equal(2, connections.Count(c => c.RemoteEndPoint.Address.Equals(First)));
        Assert.Equal(2, connections.Count(c => c.RemoteEndPoint.Address.Equals(Second)));
        Assert.NotEqual(connections[0].RemoteEndPoint, connections[1].RemoteEndPoint);
        Assert.Equal(2, server.AcceptedBy(First));
        Assert.Equal(2, server.AcceptedBy(Second));
    }

    [Fact]
    public async Task RentAsync_OneAddressFull_UsesTheOther()
    {
        await using var server = new HttpTestResponder(First, Second);
        var dns = new FakeDns { Answer = [First, Second] };
        await using var pool = new UpstreamPool(NamedOptions(server.Port) with { MaxConnectionsPerAddress = 1 }, resolver: dns.ResolveAsync);
        UpstreamConnection a = await pool.RentAsync(Timeout5s());
        UpstreamConnection b = await pool.RentAsync(Timeout5s());
        Assert.NotEqual(a.RemoteEndPoint, b.RemoteEndPoint);

        ValueTask<UpstreamConnection> waiting = pool.RentAsync(Timeout5s());
        Assert.False(waiting.IsCompleted); // both addresses at their limit
        pool.Return(b);
        Assert.Same(b, await waiting);
    }
}
