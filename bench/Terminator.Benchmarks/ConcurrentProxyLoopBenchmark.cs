using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using BenchmarkDotNet.Attributes;
using Terminator.Infrastructure;
using Terminator.Diagnostics;
using Terminator.Http;
using Terminator.Listener;
using Terminator.Proxy;
using Terminator.Upstream;

namespace Terminator.Benchmarks;

/// <summary>
/// <see cref="ProxyLoopBenchmark"/>'s keep-alive click over <see cref="Connections"/> client connections at once: each
/// invocation sends one request on every connection, then reads every response, until 64 requests have been served, so
/// at 64 connections 64 requests are in flight together, as in the macro keep-alive step. That is what the
/// one-connection figure cannot show: <c>PoolingAsyncValueTaskMethodBuilder</c> keeps one state-machine box per thread
/// and one per core, so an async method that suspends with many requests in flight allocates its box per request.
/// </summary>
/// <remarks>
/// The client pipes take their blocks from <see cref="PipeBlockPool"/>, as the daemon's do; the upstream connections are
/// the proxy's own (StreamPipeReader over a socket, the same pool), as in production. Allocated is per request
/// (OperationsPerInvoke) and counts every thread, so the boxes of continuations that run on the thread pool count.
/// </remarks>
[MemoryDiagnoser]
public class ConcurrentProxyLoopBenchmark
{
    private const int RequestsPerInvoke = 64;

    private Socket _listener = null!;
    private UpstreamPool _pool = null!;
    private ConnectionDrain _drain = null!;
    private Pipe[] _toProxy = null!;
    private Pipe[] _fromProxy = null!;
    private Http1ProxyLoop[] _loops = null!;
    private Task[] _loopTasks = null!;
    private Task _responderTask = null!;

    /// <summary>Client keep-alive connections with a request in flight at once.</summary>
    [Params(1, 32, 64)]
    public int Connections { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        _responderTask = ProxyLoopBenchmark.RespondAsync(_listener, ProxyLoopBenchmark.Redirect);
        int port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _pool = new UpstreamPool(new UpstreamPoolOptions { Host = "127.0.0.1", Port = port });
        _drain = new ConnectionDrain();
        var context = new ProxyContext
        {
            Upstream = _pool,
            Limits = HttpLimits.Default,
            Metrics = new TerminatorMetrics(),
            Log = TerminatorLog.Silent,
            HttpsResponses = HttpResponsePolicy.PassThrough,
        };

        var pipeOptions = new PipeOptions(pool: PipeBlockPool.Instance, minimumSegmentSize: PipeBlockPool.BlockSize, useSynchronizationContext: false);
        _toProxy = new Pipe[Connections];
        _fromProxy = new Pipe[Connections];
        _loops = new Http1ProxyLoop[Connections];
        _loopTasks = new Task[Connections];
        for (int i = 0; i < Connections; i++)
        {
            _toProxy[i] = new Pipe(pipeOptions);
            _fromProxy[i] = new Pipe(pipeOptions);
            var connection = new ConnectionContext(Stream.Null, new IPEndPoint(IPAddress.Parse("198.51.100.23"), 50000 + i), new IPEndPoint(IPAddress.Loopback, 443), _drain)
            {
                Tls = new TlsConnectionFeature(SslProtocols.Tls13, TlsCipherSuite.TLS_AES_128_GCM_SHA256, SslApplicationProtocol.Http11, ProxyLoopBenchmark.AnyName.Instance),
            };
            _loops[i] = new Http1ProxyLoop(context, connection, _toProxy[i].Reader, _fromProxy[i].Writer);
            _loopTasks[i] = _loops[i].RunAsync();
        }
    }

    // Pooled like the proxy's own per-request methods; one invocation is in flight at a time, so its box is reused.
    [Benchmark(OperationsPerInvoke = RequestsPerInvoke)]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<long> KeepAliveRequests()
    {
        long relayed = 0;
        for (int round = 0; round < RequestsPerInvoke / Connections; round++)
        {
            for (int i = 0; i < _toProxy.Length; i++)
            {
                _toProxy[i].Writer.Write(HttpHeadBenchmark.ClickRequest);
                await _toProxy[i].Writer.FlushAsync();
            }

            for (int i = 0; i < _fromProxy.Length; i++)
            {
                PipeReader reader = _fromProxy[i].Reader;
                while (true)
                {
                    ReadResult result = await reader.ReadAsync();
                    ReadOnlySequence<byte> buffer = result.Buffer;
                    // The relayed 302 has an empty body: the response ends with its head.
                    if (ProxyLoopBenchmark.EndOfHead(buffer) is { } end)
                    {
                        relayed += buffer.Slice(0, end).Length;
                        reader.AdvanceTo(end);
                        break;
                    }

                    if (result.IsCompleted)
                    {
                        throw new InvalidOperationException("the proxy closed the connection");
                    }

                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }

        return relayed;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (Pipe pipe in _toProxy)
        {
            pipe.Writer.Complete();
        }

        Task.WaitAll(_loopTasks, TimeSpan.FromSeconds(5));
        foreach (Http1ProxyLoop loop in _loops)
        {
            loop.Dispose();
        }

        _pool.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        _listener.Dispose();
        _responderTask.Wait(TimeSpan.FromSeconds(5));
        _drain.Dispose();
    }
}
