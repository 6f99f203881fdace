using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Terminator.Tests.TestHelpers;
using Terminator.Upstream;

namespace Terminator.Tests.Upstream;

public partial class UpstreamPoolTests
{
    private static readonly byte[] Request = "GET /q/abc HTTP/1.1\r\nHost: t.example\r\n\r\n"u8.ToArray();

    private static UpstreamPoolOptions Options(int port, int max = 256) => new() { Host = "127.0.0.1", Port = port, MaxConnectionsPerAddress = max };

    private static CancellationToken Timeout5s() => new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token;

    /// <summary>Writes one request and reads exactly one fixed response, leaving the connection at a message boundary.</summary>
    internal static async Task ExchangeAsync(UpstreamConnection connection, int requests = 1)
    {
        CancellationToken ct = Timeout5s();
        for (int i = 0; i < requests; i++)
        {
            await connection.Output.WriteAsync(Request, ct);
        }

        int need = HttpTestResponder.Response.Length;
        while (true)
        {
            ReadResult result = await connection.Input.ReadAsync(ct);
            if (result.Buffer.Length >= need * requests)
            {
                Assert.Equal(HttpTestResponder.Response, result.Buffer.Slice(0, need).ToArray());
                SequencePosition end = result.Buffer.GetPosition(need); // consume one response; extra ones stay buffered
                connection.Input.AdvanceTo(end, end);
                return;
            }

            Assert.False(result.IsCompleted, "upstream closed before the response was complete");
            connection.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    [Fact]
    public async Task RentAsync_TenSequentialRequests_UseOneConnection()
    {
        await using var server = new HttpTestResponder();
        await using var pool = new UpstreamPool(Options(server.Port));
        for (int i = 1; i <= 10; i++)
        {
            UpstreamConnection connection = await pool.RentAsync(Timeout5s());
            Assert.Equal(i, connection.RequestCount);
            Assert.Equal(i > 1, connection.IsReused);
            Assert.Equal(new IPEndPoint(IPAddress.Loopback, server.Port), connection.RemoteEndPoint);
            Assert.Equal(1, pool.ActiveCount);
            await ExchangeAsync(connection);
            pool.Return(connection);
            Assert.Equal(1, pool.IdleCount);
            Assert.Equal(0, pool.ActiveCount);
        }

        Assert.Equal(1, server.Accepted);
        Assert.Equal(1, pool.ConnectionsOpened);
    }

    [Fact]
    public async Task RentAsync_ServerClosedIdleConnection_HandsOutFreshConnection()
    {
        await using var server = new HttpTestResponder();
        await using var pool = new UpstreamPool(Options(server.Port));
        UpstreamConnection first = await pool.RentAsync(Timeout5s());
        await ExchangeAsync(first);
        pool.Return(first);

        server.CloseAllConnections(); // FIN while the connection sits idle in the pool
        // The FIN crosses loopback asynchronously: wait until our end of the idle connection shows it (the very check the
        // pool makes at rent time), so the rent below cannot race it.
        Assert.True(await Eventually.TrueAsync(() => !first.IsUsableWhenIdle()), "the FIN never reached the pooled connection");

        UpstreamConnection second = await pool.RentAsync(Timeout5s());
        Assert.NotSame(first, second);
        Assert.False(second.IsReused);
        await ExchangeAsync(second);
        pool.Return(second);
        Assert.Equal(2, server.Accepted);
        Assert.Equal(1, pool.IdleCount);
    }

    [Fact]
    public async Task RentAsync_IdleConnectionReceivedUnsolicitedBytes_HandsOutFreshConnection()
    {
        await using var server = new HttpTestResponder();
        await using var pool = new UpstreamPool(Options(server.Port));
        UpstreamConnection first = await pool.RentAsync(Timeout5s());
        await ExchangeAsync(first);
        pool.Return(first);

        server.SendToAll("HTTP/1.1 408 Request Timeout\r\n\r\n"u8.ToArray());
        Assert.True(await Eventually.TrueAsync(() => !first.IsUsableWhenIdle()), "the unsolicited bytes never reached the pooled connection");

        UpstreamConnection second = await pool.RentAsync(Timeout5s());
        Assert.NotSame(first, second);
        await ExchangeAsync(second);
        Assert.Equal(2, pool.ConnectionsOpened);
        Assert.True(await Eventually.TrueAsync(() => server.ClosedByClient == 1), "the junk connection was not closed (leaked)");
    }

    [Fact]
    public async Task Return_UnreadBytesBuffered_RetiresConnection()
    {
        await using var server = new HttpTestResponder();
        await using var pool = new UpstreamPool(Options(server.Port));
        UpstreamConnection connection = await pool.RentAsync(Timeout5s());
        await ExchangeAsync(connection, requests: 2); // second response stays in the reader's buffer

        pool.Return(connection);

        Assert.Equal(0, pool.IdleCount);
        Assert.Equal(0, pool.ActiveCount);
        Assert.True(await Eventually.TrueAsync(() => server.ClosedByClient == 1), "the retired connection was not closed");
    }

    [Fact]
    public async Task Return_Twice_Throws()
    {
        await using var server = new HttpTestResponder();
        await using var pool = new UpstreamPool(Options(server.Port));
        UpstreamConnection connection = await pool.RentAsync(Timeout5s());
        pool.Return(connection);

        Assert.Throws<InvalidOperationException>(() => pool.Return(connection));
        Assert.Equal(1, pool.IdleCount);
    }

    [Fact]
    public async Task RetireAsync_Twice_IsIdempotentAndFreesSlot()
    {
        await using var server = new HttpTestResponder();
        await using var pool = new UpstreamPool(Options(server.Port, max: 1));
        UpstreamConnection connection = await pool.RentAsync(Timeout5s());
        await pool.RetireAsync(connection);
        await connection.DisposeAsync();

        UpstreamConnection next = await pool.RentAsync(Timeout5s());
        await ExchangeAsync(next);
        Assert.Equal(2, pool.ConnectionsOpened);
        Assert.Equal(1, pool.ActiveCount);
    }

    [Fact]
    public async Task DisposeAsync_ConnectionAlreadyIdle_RemovesItFromPool()
    {
        await using var server = new HttpTestResponder();
        await using var pool = new UpstreamPool(Options(server.Port, max: 1));
        UpstreamConnection first = await pool.RentAsync(Timeout5s());
        pool.Return(first);

        await first.DisposeAsync();

        Assert.Equal(0, pool.IdleCount);
        Assert.Equal(0, pool.ActiveCount);
        UpstreamConnection second = await pool.RentAsync(Timeout5s());
        Assert.NotSame(first, second);
        Assert.Equal(1, pool.ActiveCount);
    }

    [Fact]
    public async Task RentAsync_AtMaxPerAddress_WaitsForReturnAndGetsSameConnection()
    {
        await using var server = new HttpTestResponder();
        await using var pool = new UpstreamPool(Options(server.Port, max: 1));
        UpstreamConnection first = await pool.RentAsync(Timeout5s());
        await ExchangeAsync(first);

        ValueTask<UpstreamConnection> waiting = pool.RentAsync(Timeout5s());
        // No wait needed: with the only address at its limit the rent queues a waiter before it returns, and only a Return or
        // a retirement can complete it. (Had it connected past the limit instead, the server would count a second accept.)
        Assert.False(waiting.IsCompleted);

        pool.Return(first);
        UpstreamConnection second = await waiting;
        Assert.Same(first, second);
        Assert.True(second.IsReused);
        await ExchangeAsync(second);
        Assert.Equal(1, server.Accepted);
    }

    [Fact]
    public async Task RentAsync_AtMaxPerAddress_RetireLetsWaiterConnect()
    {
        await using var server = new HttpTestResponder();
        await using var pool = new UpstreamPool(Options(server.Port, max: 1));
        UpstreamConnection first = await pool.RentAsync(Timeout5s());
        ValueTask<UpstreamConnection> waiting = pool.RentAsync(Timeout5s());

        await pool.RetireAsync(first);
        UpstreamConnection second = await waiting;
        Assert.NotSame(first, second);
        Assert.False(second.IsReused);
        await ExchangeAsync(second);
        Assert.Equal(2, pool.ConnectionsOpened);
    }

    [Fact]
    public async Task RentAsync_AtMaxPerAddress_CancellationEndsWaitAndKeepsPoolConsistent()
    {
        await using var server = new HttpTestResponder();
        await using var pool = new UpstreamPool(Options(server.Port, max: 1));
        UpstreamConnection first = await pool.RentAsync(Timeout5s());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var sw = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.RentAsync(cts.Token).AsTask());
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2));

        pool.Return(first); // must go idle, not to the cancelled waiter
        Assert.Equal(1, pool.IdleCount);
        Assert.Same(first, await pool.RentAsync(Timeout5s()));
    }

    [Fact]
    public async Task RentAsync_AlreadyCancelledTokenAtMax_ThrowsOperationCanceled()
    {
        await using var server = new HttpTestResponder();
        await using var pool = new UpstreamPool(Options(server.Port, max: 1));
        _ = await pool.RentAsync(Timeout5s());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.RentAsync(new CancellationToken(true)).AsTask());
    }

    [Fact]
    public async Task RentNewAsync_IdleAvailable_OpensFreshConnection()
    {
        await using var server = new HttpTestResponder();
        await using var pool = new UpstreamPool(Options(server.Port));
        UpstreamConnection first = await pool.RentAsync(Timeout5s());
        await ExchangeAsync(first);
        pool.Return(first);

        UpstreamConnection fresh = await pool.RentNewAsync(Timeout5s());
        Assert.NotSame(first, fresh);
        Assert.False(fresh.IsReused);
        await ExchangeAsync(fresh);
        Assert.Equal(1, pool.IdleCount);
        Assert.Equal(2, server.Accepted);
    }

    [Fact]
    public async Task RentNewAsync_AtMaxWithIdle_ReplacesIdleConnection()
    {
        await using var server = new HttpTestResponder();
        await using var pool = new UpstreamPool(Options(server.Port, max: 1));
        UpstreamConnection first = await pool.RentAsync(Timeout5s());
        pool.Return(first);

        UpstreamConnection fresh = await pool.RentNewAsync(Timeout5s());
        Assert.NotSame(first, fresh);
        await ExchangeAsync(fresh);
        Assert.Equal(0, pool.IdleCount);
        Assert.Equal(1, pool.ActiveCount);
        Assert.True(await Eventually.TrueAsync(() => server.ClosedByClient == 1), "the retired connection was not closed");
    }

    [Fact]
    public async Task RentAsync_ConnectionRefused_ThrowsQuicklyAndReleasesSlot()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port; // nothing listens here once closed
        }

        await using var pool = new UpstreamPool(Options(port, max: 1));
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 2; i++) // the second attempt proves the failed connect gave its slot back
        {
            UpstreamConnectException e = await Assert.ThrowsAsync<UpstreamConnectException>(() => pool.RentAsync(Timeout5s()).AsTask());
            Assert.Contains("refused", e.Message, StringComparison.Ordinal);
            Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
            Assert.Equal(SocketError.ConnectionRefused, e.SocketError);
            Assert.False(e.IsTimeout);
        }

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2));
        Assert.Equal(0, pool.ConnectionsOpened);
        Assert.Equal(0, pool.ActiveCount);
    }
}
