using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Terminator.Tests.TestHelpers;

/// <summary>A parsed HTTP/1.1 response as a test client read it.</summary>
public sealed record RawResponse(int Status, string Head, byte[] Body)
{
    public string? Header(string name)
    {
        foreach (string line in Head.Split("\r\n").Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }

    public string BodyText => Encoding.ASCII.GetString(Body);
}

/// <summary>
/// A deliberately dumb HTTP/1.1 client over a raw stream (plain TCP or SslStream), so tests control every byte sent
/// and see every byte received — including malformed requests no real client library would send.
/// </summary>
public sealed class RawHttpClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawHttpClient(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        Stream = stream;
    }

    public Stream Stream { get; }
    public SslStream? Tls => Stream as SslStream;

    public static async Task<RawHttpClient> ConnectPlainAsync(IPEndPoint endPoint)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint);
        tcp.NoDelay = true;
        return new RawHttpClient(tcp, tcp.GetStream());
    }

    /// <summary>TLS connect with SNI = <paramref name="serverName"/>, trusting only <paramref name="trustedRoot"/>.</summary>
    public static async Task<RawHttpClient> ConnectTlsAsync(IPEndPoint endPoint, string? serverName, X509Certificate2 trustedRoot, SslProtocols protocols = SslProtocols.None)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint);
        tcp.NoDelay = true;
        return await AuthenticateAsync(tcp, serverName, trustedRoot, protocols);
    }

    /// <summary>
    /// Connects from <paramref name="localAddress"/> (any 127.x.y.z works on Linux loopback), writes
    /// <paramref name="preamble"/> (a PROXY protocol header, as a balancer would) on the bare socket, then speaks plain
    /// HTTP, or TLS with SNI = <paramref name="serverName"/> when <paramref name="trustedRoot"/> is given.
    /// </summary>
    public static async Task<RawHttpClient> ConnectWithPreambleAsync(IPEndPoint endPoint, byte[] preamble, IPAddress? localAddress = null,
        string? serverName = null, X509Certificate2? trustedRoot = null)
    {
        var tcp = localAddress is null ? new TcpClient() : new TcpClient(new IPEndPoint(localAddress, 0));
        await tcp.ConnectAsync(endPoint);
        tcp.NoDelay = true;
        if (preamble.Length > 0)
        {
            await tcp.GetStream().WriteAsync(preamble);
        }

        return trustedRoot is null ? new RawHttpClient(tcp, tcp.GetStream()) : await AuthenticateAsync(tcp, serverName, trustedRoot, SslProtocols.None);
    }

    private static async Task<RawHttpClient> AuthenticateAsync(TcpClient tcp, string? serverName, X509Certificate2 trustedRoot, SslProtocols protocols)
    {
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = serverName ?? string.Empty,
            EnabledSslProtocols = protocols,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusted(certificate, trustedRoot, serverName, errors),
        };
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await tls.AuthenticateAsClientAsync(options, timeout.Token);
        }
        catch
        {
            await tls.DisposeAsync();
            tcp.Dispose();
            throw;
        }

        return new RawHttpClient(tcp, tls);
    }

    private static bool Trusted(X509Certificate? certificate, X509Certificate2 root, string? serverName, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 && serverName is not null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }

    public Task SendAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await Stream.WriteAsync(bytes);
        await Stream.FlushAsync();
    }

    /// <summary>Reads one response (Content-Length, chunked or close-delimited body); null when the server closed first.</summary>
    public async Task<RawResponse?> ReadResponseAsync(bool requestWasHead = false, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        int headEnd;
        while ((headEnd = IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (!await FillAsync(cts.Token))
            {
                return null;
            }
        }

        string head = Encoding.ASCII.GetString(_buffer, _start, headEnd - _start + 4);
        _start = headEnd + 4;
        int status = int.Parse(head.AsSpan(9, 3));
        var response = new RawResponse(status, head, []);
        string? length = response.Header("Content-Length");
        string? encoding = response.Header("Transfer-Encoding");
        byte[] body;
        if (requestWasHead || status is 204 or 304 || status / 100 == 1)
        {
            body = [];
        }
        else if (encoding is not null && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            int end;
            while ((end = IndexOf("0\r\n\r\n"u8)) < 0)
            {
                if (!await FillAsync(cts.Token)) throw new IOException("closed inside a chunked body");
            }

            body = _buffer.AsSpan(_start, end + 5 - _start).ToArray();
            _start = end + 5;
        }
        else if (length is not null)
        {
            int n = int.Parse(length);
            while (_end - _start < n)
            {
                if (!await FillAsync(cts.Token)) throw new IOException("closed inside a body");
            }

            body = _buffer.AsSpan(_start, n).ToArray();
            _start += n;
        }
        else
        {
            while (await FillAsync(cts.Token)) { }
            body = _buffer.AsSpan(_start, _end - _start).ToArray();
            _start = _end;
        }

        return response with { Body = body };
    }

    /// <summary>True when the server closes the connection within the timeout with no more bytes.</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await FillAsync(cts.Token)) { }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        int n;
        try
        {
            n = await Stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        }
        catch (IOException)
        {
            return false;
        }

        _end += n;
        return n > 0;
    }

    private int IndexOf(ReadOnlySpan<byte> needle)
    {
        int i = _buffer.AsSpan(_start, _end - _start).IndexOf(needle);
        return i < 0 ? -1 : _start + i;
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        _tcp.Dispose();
    }
}
