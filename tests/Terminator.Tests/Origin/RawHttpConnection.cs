using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Terminator.Tests.Origin;

/// <summary>A parsed raw HTTP/1.1 response as received on the wire.</summary>
internal sealed record RawHttpResponse(int Status, string Head, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
}

/// <summary>Test client over a real TCP socket: writes raw bytes, reads and frames raw responses (Content-Length only).</summary>
internal sealed class RawHttpConnection : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly List<byte> _pending = [];

    private RawHttpConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawHttpConnection> ConnectAsync(IPEndPoint endPoint)
    {
        var client = new TcpClient(endPoint.AddressFamily) { NoDelay = true };
        using var cts = new CancellationTokenSource(Timeout);
        await client.ConnectAsync(endPoint, cts.Token);
        return new RawHttpConnection(client);
    }

    public Task SendAsync(string ascii) => SendAsync(Encoding.ASCII.GetBytes(ascii));

    public async Task SendAsync(byte[] bytes)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await _stream.WriteAsync(bytes, cts.Token);
    }

    /// <summary>Reads one response; <paramref name="headRequest"/> means the response has no body whatever its headers say.</summary>
    public async Task<RawHttpResponse> ReadResponseAsync(bool headRequest = false)
    {
        using var cts = new CancellationTokenSource(Timeout);
        int headEnd;
        while ((headEnd = IndexOfHeadEnd()) < 0)
        {
            if (!await FillAsync(cts.Token))
            {
                throw new EndOfStreamException($"connection closed after {_pending.Count} bytes of a response head");
            }
        }

        string head = Encoding.ASCII.GetString([.. _pending.GetRange(0, headEnd)]);
        _pending.RemoveRange(0, headEnd + 4);
        string[] lines = head.Split("\r\n");
        int status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(line[..colon], line[(colon + 1)..].Trim());
        }

        int length = headRequest ? 0 : int.Parse(headers.GetValueOrDefault("Content-Length", "0"), CultureInfo.InvariantCulture);
        while (_pending.Count < length)
        {
            if (!await FillAsync(cts.Token))
            {
                throw new EndOfStreamException("connection closed inside a response body");
            }
        }

        byte[] body = [.. _pending.GetRange(0, length)];
        _pending.RemoveRange(0, length);
        return new RawHttpResponse(status, head, headers, body);
    }

    /// <summary>True when the server closes the connection (FIN or RST) with no further bytes within the timeout.</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            return _pending.Count == 0 && !await FillAsync(cts.Token);
        }
        catch (IOException)
        {
            return true; // reset
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Bytes received but not consumed by <see cref="ReadResponseAsync"/>.</summary>
    public int PendingBytes => _pending.Count;

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        int read = await _stream.ReadAsync(buffer, cancellationToken);
        _pending.AddRange(buffer.AsSpan(0, read));
        return read > 0;
    }

    private int IndexOfHeadEnd()
    {
        for (int i = 0; i + 3 < _pending.Count; i++)
        {
            if (_pending[i] == '\r' && _pending[i + 1] == '\n' && _pending[i + 2] == '\r' && _pending[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
