using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Terminator.Diagnostics;
using Terminator.Http;
using Terminator.Infrastructure;
using Terminator.Listener;
using Terminator.Proxy;
using Terminator.Tests.Http;
using Terminator.Upstream;
using Xunit.Abstractions;

namespace Terminator.Tests.Proxy;

/// <summary>
/// Bytes allocated per keep-alive request with many requests in flight at once: 64 <see cref="Http1ProxyLoop"/>s over
/// in-memory client pipes, a pooled upstream connection each to an allocation-free loopback responder, one request on
/// every connection, then every response, round after round.
/// </summary>
/// <remarks>
/// <para>One connection cannot show this: <c>PoolingAsyncValueTaskMethodBuilder</c> keeps one state-machine box per
/// thread and one per core, so an async method that suspends with many requests in flight allocates its box per
/// request. <c>ForwardAsync</c>, <c>ReadRequestHeadAsync</c> and <c>ReadResponseHeadAsync</c> did (three boxes of ours
/// per request): 711-717 B per request at 32 connections with them (main 70b7f9f), 202-217 B once their waits moved
/// into <c>Http1ProxyLoop.RunAsync</c>, the connection's one state machine (2-core host, four runs each).</para>
/// <para>And the pipes' blocks: 64 upstream reads pending at once each hold a 4 KiB block, more than the shared
/// ArrayPool keeps (~32 per core), and its misses cost 1,965-2,161 B per request at 64; from
/// <see cref="PipeBlockPool"/> 198-206 B. What is left is the runtime's: the upstream connection's StreamPipeReader
/// suspends its read with a pooled box of its own. <see cref="GC.GetTotalAllocatedBytes"/> counts every thread (the
/// loops' continuations run on the thread pool), so the test runs alone, in the heap-measurement collection. The client
/// pipes take their blocks from the same pool, as the daemon's do.</para>
/// </remarks>
[Collection(HeapMeasurements.Name)]
public sealed class ProxyLoopAllocationTests(ITestOutputHelper output)
{
    private const int Connections = 64;
    private const int WarmUpRounds = 50;
    private const int MeasuredRounds = 100;

    // Above what is left (the runtime's upstream read box: 198-217 B measured) and below what one box of ours per request
    // adds back (~170 B each: the three measured 711-717 B in all), or a pipe block rented from the shared ArrayPool.
    private const long MaxBytesPerRequest = 300;

    private static readonly byte[] s_redirect =
        "HTTP/1.1 302 Found\r\nLocation: https://shop.example/sale?utm_source=email\r\nContent-Length: 0\r\nCache-Control: no-store\r\n\r\n"u8.ToArray();

    [Fact]
    public async Task KeepAliveRequests_ManyInFlight_AllocateNoStateMachineBoxPerRequest()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(Connections * 2);
        Task responder = RespondAsync(listener);
        await using var pool = new UpstreamPool(new UpstreamPoolOptions { Host = "127.0.0.1", Port = ((IPEndPoint)listener.LocalEndPoint!).Port });
        using var drain = new ConnectionDrain();
        var context = new ProxyContext
        {
            Upstream = pool,
            Limits = HttpLimits.Default,
            Metrics = new TerminatorMetrics(),
            Log = TerminatorLog.Silent,
            HttpsResponses = HttpResponsePolicy.PassThrough,
        };

        var pipeOptions = new PipeOptions(pool: PipeBlockPool.Instance, minimumSegmentSize: PipeBlockPool.BlockSize, useSynchronizationContext: false);
        var toProxy = new Pipe[Connections];
        var fromProxy = new Pipe[Connections];
        var loops = new Http1ProxyLoop[Connections];
        var running = new Task[Connections];
        for (int i = 0; i < Connections; i++)
        {
            toProxy[i] = new Pipe(pipeOptions);
            fromProxy[i] = new Pipe(pipeOptions);
            var connection = new ConnectionContext(Stream.Null, new IPEndPoint(IPAddress.Parse("198.51.100.23"), 50000 + i), new IPEndPoint(IPAddress.Loopback, 443), drain)
            {
                Tls = new TlsConnectionFeature(SslProtocols.Tls13, TlsCipherSuite.TLS_AES_128_GCM_SHA256, SslApplicationProtocol.Http11, AnyName.Instance),
            };
            loops[i] = new Http1ProxyLoop(context, connection, toProxy[i].Reader, fromProxy[i].Writer);
            running[i] = loops[i].RunAsync();
        }

        try
        {
            // Warm-up: JIT, the upstream connections, the thread pool, the pools of boxes, timers and cancellation nodes.
            await RunRoundsAsync(toProxy, fromProxy, WarmUpRounds, deadline.Token);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            await RunRoundsAsync(toProxy, fromProxy, MeasuredRounds, deadline.Token);
            long perRequest = (GC.GetTotalAllocatedBytes(precise: true) - before) / (MeasuredRounds * Connections);

            output.WriteLine($"{Connections} keep-alive connections, {MeasuredRounds * Connections:N0} requests: {perRequest:N0} B allocated per request");
            Assert.True(perRequest <= MaxBytesPerRequest,
                $"{perRequest:N0} B allocated per request with {Connections} in flight (bound {MaxBytesPerRequest:N0} B): an async method of the proxy loop that suspends per request allocates its state-machine box, or the pipes miss their block pool");
        }
        finally
        {
            foreach (Pipe pipe in toProxy)
            {
                pipe.Writer.Complete();
            }

            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10)); // the loops end with their clients
            foreach (Http1ProxyLoop loop in loops)
            {
                loop.Dispose();
            }

            await pool.DisposeAsync();
            listener.Close();
            await responder.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Each round: the click request on every connection, then every connection's 302.</summary>
    private static async Task RunRoundsAsync(Pipe[] toProxy, Pipe[] fromProxy, int rounds, CancellationToken cancellationToken)
    {
        for (int round = 0; round < rounds; round++)
        {
            foreach (Pipe pipe in toProxy)
            {
                pipe.Writer.Write(HttpSamples.ClickRequestBytes);
                await pipe.Writer.FlushAsync(cancellationToken);
            }

            foreach (Pipe pipe in fromProxy)
            {
                while (true)
                {
                    ReadResult result = await pipe.Reader.ReadAsync(cancellationToken);
                    ReadOnlySequence<byte> buffer = result.Buffer;
                    var reader = new SequenceReader<byte>(buffer);
                    if (reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8))
                    {
                        pipe.Reader.AdvanceTo(reader.Position); // the 302 has no body: it ends with its head
                        break;
                    }

                    Assert.False(result.IsCompleted, "the proxy closed a connection");
                    pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
    }

    /// <summary>The upstream: answers every request head (GET, no body) with the 302, allocating nothing per request.</summary>
    private static async Task RespondAsync(Socket listener)
    {
        var connections = new List<Task>();
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                await Task.WhenAll(connections);
                return;
            }

            connections.Add(ServeAsync(socket));
        }
    }

    private static async Task ServeAsync(Socket socket)
    {
        using (socket)
        {
            var buffer = new byte[8192];
            int matched = 0; // how much of "\r\n\r\n" the bytes so far end with, across reads
            while (true)
            {
                int read;
                try
                {
                    read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
                }
                catch (SocketException)
                {
                    return;
                }

                if (read == 0)
                {
                    return;
                }

                for (int i = 0; i < read; i++)
                {
                    byte expected = (matched & 1) == 0 ? (byte)'\r' : (byte)'\n';
                    matched = buffer[i] == expected ? matched + 1 : buffer[i] == '\r' ? 1 : 0;
                    if (matched == 4)
                    {
                        matched = 0;
                        await socket.SendAsync(s_redirect.AsMemory(), SocketFlags.None);
                    }
                }
            }
        }
    }

    private sealed class AnyName : IServerCertificateNames
    {
        public static readonly AnyName Instance = new();

        public bool Covers(ReadOnlySpan<byte> hostName) => true;
    }
}
