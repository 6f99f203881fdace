using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Terminator.MacroBench;

/// <summary>
/// The load generator, the same for every terminator: keep-alive HTTPS requests on N connections, and connection
/// storms with one request per connection, either forbidding TLS resumption (every handshake is full) or allowing it.
/// Certificate validation is skipped on purpose: it is client CPU, and identical for every peer.
/// </summary>
internal static class LoadClient
{
    /// <param name="uniqueTargets">Every request gets a query parameter no other request had (<c>&amp;n=worker-count</c>):
    /// a micro-cache (TERMINATOR_CACHE_TTL) then misses every time, where the fixed target hits after the first.</param>
    public static async Task<LatencyRecorder> KeepAliveAsync(IPEndPoint target, IReadOnlyList<string> names, string path, int connections, TimeSpan duration, bool uniqueTargets = false)
    {
        var recorder = new LatencyRecorder();
        using var stop = new CancellationTokenSource(duration);
        var workers = new Task[connections];
        for (int i = 0; i < connections; i++)
        {
            string name = names[i * 7919 % names.Count];
            int worker = i;
            workers[i] = Task.Run(() => KeepAliveWorkerAsync(target, name, path, uniqueTargets ? worker : -1, recorder, stop.Token));
        }

        await Task.WhenAll(workers);
        return recorder;
    }

    /// <summary>
    /// Keep-alive requests at a fixed total <paramref name="rate"/>, below every contender's capacity, so the latency
    /// tail shows how a terminator treats a request when it is not queueing behind its own saturation (the
    /// closed-loop step above measures the tail of a saturated process, mostly its throughput). Every connection is
    /// opened first, then sends one request per <c>connections / rate</c> seconds on its own schedule, phases spread
    /// evenly. A request whose slot passed while the previous response was still due is timed from its slot, not from
    /// when it could be sent (no coordinated omission); one delayed by the client's own timer is timed from its send.
    /// </summary>
    public static async Task<LatencyRecorder> PacedKeepAliveAsync(IPEndPoint target, IReadOnlyList<string> names, string path, int connections, int rate, TimeSpan duration)
    {
        var recorder = new LatencyRecorder();
        var streams = new SslStream[connections];
        using (var opening = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await Task.WhenAll(Enumerable.Range(0, connections).Select(async i =>
                streams[i] = await ConnectAsync(target, names[i * 7919 % names.Count], allowResume: true, opening.Token)));
        }

        long interval = (long)(Stopwatch.Frequency * (double)connections / rate);
        long start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 20;
        using var stop = new CancellationTokenSource(duration);
        var workers = new Task[connections];
        for (int i = 0; i < connections; i++)
        {
            SslStream tls = streams[i];
            string name = names[i * 7919 % names.Count];
            long first = start + interval * i / connections;
            workers[i] = Task.Run(() => PacedWorkerAsync(tls, name, path, first, interval, recorder, stop.Token));
        }

        await Task.WhenAll(workers);
        return recorder;
    }

    public static async Task<LatencyRecorder> HandshakesAsync(IPEndPoint target, IReadOnlyList<string> names, int concurrency, TimeSpan duration, bool allowResume)
    {
        var recorder = new LatencyRecorder();
        using var stop = new CancellationTokenSource(duration);
        var workers = new Task[concurrency];
        for (int i = 0; i < concurrency; i++)
        {
            int seed = i;
            workers[i] = Task.Run(() => HandshakeWorkerAsync(target, names, seed, allowResume, recorder, stop.Token));
        }

        await Task.WhenAll(workers);
        return recorder;
    }

    /// <summary>One full handshake + request for every name, once, <paramref name="concurrency"/> at a time: the first
    /// handshake per name (Terminator materialises a certificate's context then; the peers loaded everything at start-up).</summary>
    public static async Task<LatencyRecorder> TouchEveryNameAsync(IPEndPoint target, IReadOnlyList<string> names, int concurrency, TimeSpan limit)
    {
        var recorder = new LatencyRecorder();
        using var stop = new CancellationTokenSource(limit);
        int next = -1;
        var workers = new Task[concurrency];
        for (int i = 0; i < concurrency; i++)
        {
            workers[i] = Task.Run(async () =>
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < names.Count && !stop.IsCancellationRequested)
                {
                    long start = Stopwatch.GetTimestamp();
                    if (await ProbeAsync(target, names[index], stop.Token))
                    {
                        recorder.Record(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                    }
                    else
                    {
                        recorder.Error();
                    }
                }
            });
        }

        await Task.WhenAll(workers);
        return recorder;
    }

    /// <summary>One full TLS handshake + request; true when the response status was 2xx/3xx.</summary>
    public static async Task<bool> ProbeAsync(IPEndPoint target, string name, CancellationToken cancellationToken)
    {
        try
        {
            await using SslStream tls = await ConnectAsync(target, name, allowResume: false, cancellationToken);
            await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET /q/probe HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n"), cancellationToken);
            var buffer = new byte[4096];
            int n = await tls.ReadAsync(buffer, cancellationToken);
            return n > 12 && (buffer[9] == '2' || buffer[9] == '3');
        }
        catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <param name="worker">With a value of 0 or more, each request's target ends in a new <c>&amp;n={worker}-{count}</c>.</param>
    private static async Task KeepAliveWorkerAsync(IPEndPoint target, string name, string path, int worker, LatencyRecorder recorder, CancellationToken stop)
    {
        byte[] request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {name}\r\nUser-Agent: terminator-macrobench\r\nAccept: */*\r\n\r\n");
        long sent = 0;
        var buffer = new byte[16 * 1024];
        while (!stop.IsCancellationRequested)
        {
            SslStream tls;
            try
            {
                tls = await ConnectAsync(target, name, allowResume: true, stop);
            }
            catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or OperationCanceledException)
            {
                if (!stop.IsCancellationRequested) recorder.Error();
                continue;
            }

            await using (tls)
            {
                while (!stop.IsCancellationRequested)
                {
                    if (worker >= 0)
                    {
                        request = Encoding.ASCII.GetBytes($"GET {path}&n={worker}-{sent++} HTTP/1.1\r\nHost: {name}\r\nUser-Agent: terminator-macrobench\r\nAccept: */*\r\n\r\n");
                    }

                    if (!await ExchangeAsync(tls, request, buffer, Stopwatch.GetTimestamp(), recorder, stop))
                    {
                        break;
                    }
                }
            }
        }
    }

    private static async Task PacedWorkerAsync(SslStream tls, string name, string path, long due, long interval, LatencyRecorder recorder, CancellationToken stop)
    {
        byte[] request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {name}\r\nUser-Agent: terminator-macrobench\r\nAccept: */*\r\n\r\n");
        var buffer = new byte[16 * 1024];
        await using (tls)
        {
            while (!stop.IsCancellationRequested)
            {
                long now = Stopwatch.GetTimestamp();
                long sent = due;
                if (due > now)
                {
                    try
                    {
                        await Task.Delay(Stopwatch.GetElapsedTime(now, due), stop);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    sent = Stopwatch.GetTimestamp();
                }

                if (!await ExchangeAsync(tls, request, buffer, sent, recorder, stop))
                {
                    break;
                }

                due += interval;
            }
        }
    }

    /// <summary>One keep-alive request and its response, recorded from <paramref name="start"/>; false (an error
    /// recorded unless the step is over) when the connection cannot carry another.</summary>
    private static async Task<bool> ExchangeAsync(SslStream tls, byte[] request, byte[] buffer, long start, LatencyRecorder recorder, CancellationToken stop)
    {
        try
        {
            await tls.WriteAsync(request, stop);
            if (!await ReadResponseAsync(tls, buffer, stop))
            {
                recorder.Error();
                return false;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            if (!stop.IsCancellationRequested) recorder.Error();
            return false;
        }

        recorder.Record(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        return true;
    }

    private static async Task HandshakeWorkerAsync(IPEndPoint target, IReadOnlyList<string> names, int seed, bool allowResume, LatencyRecorder recorder, CancellationToken stop)
    {
        var random = new Random(seed);
        var buffer = new byte[16 * 1024];
        while (!stop.IsCancellationRequested)
        {
            string name = names[random.Next(names.Count)];
            long start = Stopwatch.GetTimestamp();
            try
            {
                await using SslStream tls = await ConnectAsync(target, name, allowResume, stop);
                await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET /q/open HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n"), stop);
                if (!await ReadResponseAsync(tls, buffer, stop))
                {
                    recorder.Error();
                    continue;
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or OperationCanceledException)
            {
                if (!stop.IsCancellationRequested) recorder.Error();
                continue;
            }

            recorder.Record(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
    }

    private static async Task<SslStream> ConnectAsync(IPEndPoint target, string name, bool allowResume, CancellationToken cancellationToken) =>
        await AuthenticateAsync(await ConnectSocketAsync(target, cancellationToken), name, allowResume, cancellationToken);

    internal static async Task<Socket> ConnectSocketAsync(IPEndPoint target, CancellationToken cancellationToken)
    {
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(target, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return socket;
    }

    /// <summary>A TLS 1.3 client handshake over <paramref name="socket"/>, which the returned stream owns (and disposes
    /// on failure).</summary>
    internal static async Task<SslStream> AuthenticateAsync(Socket socket, string name, bool allowResume, CancellationToken cancellationToken)
    {
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = name,
                EnabledSslProtocols = SslProtocols.Tls13,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
                AllowTlsResume = allowResume,
                RemoteCertificateValidationCallback = static (_, _, _, _) => true,
            }, cancellationToken);
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }

        return tls;
    }

    /// <summary>Reads one response with a Content-Length (or none: 302 with Content-Length 0 included).</summary>
    internal static async Task<bool> ReadResponseAsync(SslStream tls, byte[] buffer, CancellationToken cancellationToken)
    {
        int filled = 0;
        while (true)
        {
            int n = await tls.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (n == 0) return false;
            filled += n;
            int headEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
            if (headEnd < 0) continue;
            int length = ContentLength(buffer.AsSpan(0, headEnd));
            int total = headEnd + 4 + length;
            while (filled < total)
            {
                n = await tls.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                if (n == 0) return false;
                filled += n;
            }

            return buffer[9] is (byte)'2' or (byte)'3';
        }
    }

    private static int ContentLength(ReadOnlySpan<byte> head)
    {
        int i = head.IndexOf("ontent-Length: "u8);
        if (i < 0) i = head.IndexOf("ontent-length: "u8);
        if (i < 0) return 0;
        int value = 0;
        for (int j = i + 15; j < head.Length && head[j] is >= (byte)'0' and <= (byte)'9'; j++)
        {
            value = value * 10 + (head[j] - '0');
        }

        return value;
    }
}
