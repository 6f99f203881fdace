using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Terminator.MacroBench;

/// <summary>
/// The floor for any SslStream-based terminator: the least a .NET process must do to serve the benchmark's traffic.
/// SslStream picks the certificate itself (the BCL's own SNI callback over prebuilt per-name options), each request is
/// read in one piece, written unchanged to a pooled upstream connection, and the response copied back. No header
/// parsing or rewriting, no limits, no timeouts, no metrics: nothing a real terminator can skip. SSL_CTX are pinned
/// (see <c>s_pins</c>). Terminator's CPU minus this process's CPU for the same step is
/// what Terminator itself adds; what remains is SslStream's and OpenSSL's.
/// Started by the benchmark as <c>Terminator.MacroBench floor-server PORT UPSTREAM_PORT PEM_DIR</c>.
/// </summary>
internal static class SslStreamFloorServer
{
    private static readonly ConcurrentBag<Socket> s_upstream = [];
    private static IPEndPoint s_upstreamEndPoint = null!;
    private static Dictionary<string, SslServerAuthenticationOptions> s_options = null!;
    // Each name's first finished connection, kept undisposed: an SSL_CTX pin (Terminator pins with a half-handshake of
    // its own, SslContextPin, which costs the same CPU per handshake); without it SslStream's cache rebuilds an SSL_CTX
    // per handshake once more than 32 names are in use, and a floor that skipped it would not be the least SslStream
    // can cost.
    private static readonly ConcurrentDictionary<string, SslStream> s_pins = new(StringComparer.OrdinalIgnoreCase);

    public static async Task<int> RunAsync(string[] args)
    {
        // The daemon's OpenSSL cipher list (ECDHE + AEAD for TLS 1.2), loaded before this process's first handshake as
        // the daemon does: the yardstick must negotiate the same suites, or the comparison measures a different cipher.
        Terminator.Interop.OpenSslCipherPolicy.Apply();
        int port = int.Parse(args[1], CultureInfo.InvariantCulture);
        s_upstreamEndPoint = new IPEndPoint(IPAddress.Loopback, int.Parse(args[2], CultureInfo.InvariantCulture));
        s_options = LoadOptions(args[3]);

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(4096);
        Console.WriteLine($"floor server: {s_options.Count} names on {listener.LocalEndPoint}");
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync();
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                // Out of descriptors or socket memory (the idle-connection step holds thousands): refuse for a moment
                // rather than die, as any real server does.
                Console.WriteLine($"floor server: accept failed ({ex.Message}); retrying");
                await Task.Delay(10);
                continue;
            }

            socket.NoDelay = true;
            ThreadPool.UnsafeQueueUserWorkItem(static s => _ = ServeAsync(s), socket, preferLocal: false);
        }
    }

    private static Dictionary<string, SslServerAuthenticationOptions> LoadOptions(string directory)
    {
        var options = new Dictionary<string, SslServerAuthenticationOptions>(StringComparer.OrdinalIgnoreCase);
        foreach (string crt in Directory.EnumerateFiles(directory, "*.crt"))
        {
            var context = SslStreamCertificateContext.Create(X509Certificate2.CreateFromPemFile(crt, Path.ChangeExtension(crt, ".key")), additionalCertificates: null, offline: true);
            options[Path.GetFileNameWithoutExtension(crt)] = new SslServerAuthenticationOptions
            {
                ServerCertificateContext = context,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            };
        }

        return options;
    }

    private static ValueTask<SslServerAuthenticationOptions> Select(SslStream stream, SslClientHelloInfo hello, object? state, CancellationToken cancellationToken) =>
        s_options.TryGetValue(hello.ServerName, out SslServerAuthenticationOptions? found)
            ? ValueTask.FromResult(found)
            : ValueTask.FromException<SslServerAuthenticationOptions>(new AuthenticationException("unknown name"));

    private static async Task ServeAsync(Socket socket)
    {
        byte[]? buffer = null;
        Socket? upstream = null;
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        bool idle = false;
        try
        {
            await tls.AuthenticateAsServerAsync(Select, null, CancellationToken.None);
            // What Terminator does to an idle connection that SslStream does not do itself (two workarounds on the
            // runtime's OpenSSL handles, Terminator.Tls): OpenSSL's record buffers released once the handshake is done,
            // the memory BIOs' buffers freed before each wait. With them, and no buffer of its own between requests,
            // the floor's idle step is the least an SslStream connection can hold; Terminator's figure minus this one
            // is its own state (proxy loop, pipes, timers, async frames).
            Terminator.Tls.OpenSslRecordBuffers.TryRelease(tls);
            while (true)
            {
                Terminator.Tls.OpenSslIdleBuffers.TryRelease(tls);
                _ = await tls.ReadAsync(Memory<byte>.Empty); // the wait, holding no buffer (SslStream rents its own on data)
                buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
                // The benchmark's requests are small GETs: one read holds a whole head (checked, not assumed).
                int read = await tls.ReadAsync(buffer);
                if (read == 0 || buffer.AsSpan(0, read).IndexOf("\r\n\r\n"u8) < 0) break;
                // The one header touched: a client's "Connection: close" must not close the pooled upstream connection.
                int close = buffer.AsSpan(0, read).IndexOf("Connection: close"u8);
                if (close >= 0) "other"u8.CopyTo(buffer.AsSpan(close + 12));
                upstream = s_upstream.TryTake(out Socket? pooled) ? pooled : await ConnectAsync();
                await upstream.SendAsync(buffer.AsMemory(0, read));
                int length = await ReadResponseAsync(upstream, buffer);
                if (length < 0) break;
                // Back to the pool before the client's next request, as a terminator's pool does: an idle client
                // connection holds no upstream connection (10,000 idle clients would otherwise hold 10,000 of them).
                s_upstream.Add(upstream);
                upstream = null;
                await tls.WriteAsync(buffer.AsMemory(0, length));
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
                if (close >= 0) break;
            }

            idle = true;
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException or SocketException or ObjectDisposedException)
        {
            // The client left or was refused: same as any terminator.
        }
        finally
        {
            upstream?.Dispose(); // left mid-exchange: its state is unknown
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
            socket.Dispose();
            if (!idle || !s_pins.TryAdd(tls.TargetHostName, tls)) await tls.DisposeAsync();
        }
    }

    private static async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(s_upstreamEndPoint);
        return socket;
    }

    /// <summary>Reads one response (head + Content-Length body) into <paramref name="buffer"/>; -1 if it does not fit.</summary>
    private static async ValueTask<int> ReadResponseAsync(Socket upstream, byte[] buffer)
    {
        int length = 0;
        while (length < buffer.Length)
        {
            int read = await upstream.ReceiveAsync(buffer.AsMemory(length));
            if (read == 0) return -1;
            length += read;
            int headEnd = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
            if (headEnd >= 0 && length >= headEnd + 4 + ContentLength(buffer.AsSpan(0, headEnd))) return length;
        }

        return -1;
    }

    private static int ContentLength(ReadOnlySpan<byte> head)
    {
        int at = head.IndexOf("Content-Length: "u8);
        if (at < 0) return 0;
        ReadOnlySpan<byte> digits = head[(at + 16)..];
        int end = digits.IndexOf((byte)'\r');
        return int.Parse(Encoding.ASCII.GetString(end < 0 ? digits : digits[..end]), CultureInfo.InvariantCulture);
    }
}
