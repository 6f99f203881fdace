using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using BenchmarkDotNet.Attributes;
using Terminator.AccessLog;
using Terminator.Diagnostics;
using Terminator.Http;
using Terminator.Listener;
using Terminator.Proxy;
using Terminator.Upstream;

namespace Terminator.Benchmarks;

/// <summary>
/// One whole keep-alive request through <see cref="Http1ProxyLoop"/>: the click request arrives on the client pipe,
/// is parsed, rewritten and sent to a pooled upstream connection over loopback, and the tracking server's 302 is
/// parsed and relayed back. No TLS (SslStream's cost is OpenSSL's and is measured by bench/macro.sh); the upstream is
/// a raw-socket responder that itself allocates nothing, so Allocated is the proxy's own per-request cost. With
/// <see cref="ResponsePolicy"/> the upstream's 302 also carries Server and X-Powered-By banners, which the proxy strips,
/// and the proxy adds Strict-Transport-Security (TERMINATOR_SERVER_HEADER=strip, TERMINATOR_HSTS set).
/// </summary>
[MemoryDiagnoser]
public class ProxyLoopBenchmark
{
    internal static readonly byte[] Redirect =
        "HTTP/1.1 302 Found\r\nLocation: https://shop.example/sale?utm_source=email\r\nContent-Length: 0\r\nCache-Control: no-store\r\n\r\n"u8.ToArray();

    private static readonly byte[] s_redirectWithBanners =
        "HTTP/1.1 302 Found\r\nServer: nginx/1.25.3\r\nLocation: https://shop.example/sale?utm_source=email\r\nX-Powered-By: PHP/8.3.1\r\nContent-Length: 0\r\nCache-Control: no-store\r\n\r\n"u8.ToArray();

    private readonly Pipe _toProxy = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Pipe _fromProxy = new(new PipeOptions(useSynchronizationContext: false));
    private Socket _listener = null!;
    private UpstreamPool _pool = null!;
    private ConnectionDrain _drain = null!;
    private Http1ProxyLoop _loop = null!;
    private Task _loopTask = null!;
    private Task _responderTask = null!;
    private AccessLogWriter? _accessLog;

    /// <summary>The access log the proxy writes to: none here (the production default, which must cost nothing).</summary>
    private protected virtual AccessLogWriter? CreateAccessLog() => null;

    /// <summary>Strip the upstream's banners and add HSTS (the response policy) or relay the plain 302 untouched.</summary>
    [Params(false, true)]
    public bool ResponsePolicy { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        _responderTask = RespondAsync(_listener, ResponsePolicy ? s_redirectWithBanners : Redirect);
        int port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _pool = new UpstreamPool(new UpstreamPoolOptions { Host = "127.0.0.1", Port = port });
        _drain = new ConnectionDrain();
        var context = new ProxyContext
        {
            Upstream = _pool,
            Limits = HttpLimits.Default,
            Metrics = new TerminatorMetrics(),
            Log = TerminatorLog.Silent,
            HttpsResponses = ResponsePolicy
                ? new HttpResponsePolicy(stripServerHeaders: true, "max-age=31536000; includeSubDomains")
                : HttpResponsePolicy.PassThrough,
            AccessLog = _accessLog = CreateAccessLog(),
        };
        var connection = new ConnectionContext(Stream.Null, new IPEndPoint(IPAddress.Parse("198.51.100.23"), 50000), new IPEndPoint(IPAddress.Loopback, 443), _drain)
        {
            Tls = new TlsConnectionFeature(SslProtocols.Tls13, TlsCipherSuite.TLS_AES_128_GCM_SHA256, SslApplicationProtocol.Http11, AnyName.Instance),
        };
        _loop = new Http1ProxyLoop(context, connection, _toProxy.Reader, _fromProxy.Writer);
        _loopTask = _loop.RunAsync();
    }

    // Pooled like the proxy's own per-request methods, so the harness's state machine does not count as the proxy's.
    [Benchmark]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<long> ClickThroughProxy()
    {
        await _toProxy.Writer.WriteAsync(HttpHeadBenchmark.ClickRequest);
        while (true)
        {
            ReadResult result = await _fromProxy.Reader.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            // The relayed 302 has an empty body: the response ends with its head.
            SequencePosition? end = EndOfHead(buffer);
            if (end is { } position)
            {
                long length = buffer.Slice(0, position).Length;
                _fromProxy.Reader.AdvanceTo(position);
                return length;
            }

            if (result.IsCompleted)
            {
                throw new InvalidOperationException("the proxy closed the connection");
            }

            _fromProxy.Reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _toProxy.Writer.Complete();
        _loopTask.Wait(TimeSpan.FromSeconds(5));
        _loop.Dispose();
        _accessLog?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        _pool.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        _listener.Dispose();
        _responderTask.Wait(TimeSpan.FromSeconds(5));
        _drain.Dispose();
    }

    internal static SequencePosition? EndOfHead(in ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8) ? reader.Position : null;
    }

    /// <summary>Accepts upstream connections and answers every request head (GET, no body) with the 302.</summary>
    internal static async Task RespondAsync(Socket listener, byte[] response)
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(connection, response);
        }
    }

    private static async Task ServeAsync(Socket connection, byte[] response)
    {
        using (connection)
        {
            var buffer = new byte[8192];
            int matched = 0; // how much of "\r\n\r\n" the bytes so far end with, across reads
            while (true)
            {
                int read;
                try
                {
                    read = await connection.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
                }
                catch (SocketException)
                {
                    return;
                }

                if (read == 0)
                {
                    return;
                }

                int heads = 0;
                for (int i = 0; i < read; i++)
                {
                    byte expected = (matched & 1) == 0 ? (byte)'\r' : (byte)'\n';
                    matched = buffer[i] == expected ? matched + 1 : buffer[i] == '\r' ? 1 : 0;
                    if (matched == 4)
                    {
                        heads++;
                        matched = 0;
                    }
                }

                for (int i = 0; i < heads; i++)
                {
                    await connection.SendAsync(response.AsMemory(), SocketFlags.None);
                }
            }
        }
    }

    /// <summary>The TLS feature's certificate for a benchmark with no certificate: covers every name.</summary>
    internal sealed class AnyName : IServerCertificateNames
    {
        public static readonly AnyName Instance = new();

        public bool Covers(ReadOnlySpan<byte> hostName) => true;
    }
}
