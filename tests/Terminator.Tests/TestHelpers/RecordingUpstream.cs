using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Terminator.Tests.TestHelpers;

/// <summary>What the recording upstream does with a request.</summary>
public enum UpstreamBehavior
{
    /// <summary>200 with a small Content-Length body, keep-alive.</summary>
    Respond,
    /// <summary>Reads the request and never answers.</summary>
    Stall,
    /// <summary>Answers with a chunked body.</summary>
    RespondChunked,
    /// <summary>Answers with a close-delimited body (no Content-Length) and closes.</summary>
    RespondAndClose,
}

/// <summary>
/// A raw HTTP/1.1 upstream on a loopback socket that records every request head and body it receives, so end-to-end
/// tests can assert exactly what the terminator forwarded (Host, X-Forwarded-*, hop-by-hop removal).
/// </summary>
public sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly Task _acceptLoop;
    private int _connectionCount;

    public RecordingUpstream(UpstreamBehavior behavior = UpstreamBehavior.Respond)
    {
        Behavior = behavior;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public UpstreamBehavior Behavior { get; set; }
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;
    public int ConnectionCount => Volatile.Read(ref _connectionCount);
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Closes every idle client connection now (the upstream keep-alive timeout race).</summary>
    public void CloseAllConnections()
    {
        foreach (Socket socket in _sockets)
        {
            try { socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
            socket.Dispose();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            Interlocked.Increment(ref _connectionCount);
            _sockets.Add(socket);
            _connections.Add(ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using (socket)
        {
            var buffer = new List<byte>();
            var chunk = new byte[8192];
            try
            {
                while (true)
                {
                    int headEnd;
                    while ((headEnd = IndexOf(buffer, "\r\n\r\n"u8.ToArray())) < 0)
                    {
                        int n = await socket.ReceiveAsync(chunk, SocketFlags.None, _stop.Token);
                        if (n == 0) return;
                        buffer.AddRange(chunk.AsSpan(0, n).ToArray());
                    }

                    string head = Encoding.ASCII.GetString(buffer.GetRange(0, headEnd + 4).ToArray());
                    buffer.RemoveRange(0, headEnd + 4);
                    byte[] body = await ReadBodyAsync(socket, head, buffer, chunk);
                    Requests.Enqueue(new RecordedRequest(head, body));

                    switch (Behavior)
                    {
                        case UpstreamBehavior.Stall:
                            await Task.Delay(Timeout.Infinite, _stop.Token);
                            return;
                        case UpstreamBehavior.RespondChunked:
                            await socket.SendAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"u8.ToArray(), SocketFlags.None, _stop.Token);
                            break;
                        case UpstreamBehavior.RespondAndClose:
                            await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nuntil-close"u8.ToArray(), SocketFlags.None, _stop.Token);
                            socket.Shutdown(SocketShutdown.Both);
                            return;
                        default:
                            bool isHead = head.StartsWith("HEAD ", StringComparison.Ordinal);
                            string response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nKeep-Alive: timeout=5\r\nX-Upstream: yes\r\n\r\n" + (isHead ? "" : "ok");
                            await socket.SendAsync(Encoding.ASCII.GetBytes(response), SocketFlags.None, _stop.Token);
                            break;
                    }
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested || true)
            {
                // Connection reset or shutdown: the test decides what that means.
            }
        }
    }

    private async Task<byte[]> ReadBodyAsync(Socket socket, string head, List<byte> buffer, byte[] chunk)
    {
        string lower = head.ToLowerInvariant();
        int length = 0;
        int cl = lower.IndexOf("\r\ncontent-length:", StringComparison.Ordinal);
        if (cl >= 0)
        {
            int end = lower.IndexOf("\r\n", cl + 2, StringComparison.Ordinal);
            length = int.Parse(lower.AsSpan(cl + 17, end - cl - 17).Trim());
        }

        bool chunked = lower.Contains("\r\ntransfer-encoding: chunked", StringComparison.Ordinal);
        if (!chunked)
        {
            while (buffer.Count < length)
            {
                await ReceiveMoreAsync(socket, buffer, chunk);
            }

            byte[] body = buffer.GetRange(0, length).ToArray();
            buffer.RemoveRange(0, length);
            return body;
        }

        // Chunked (RFC 9112 §7.1): size line, data, CRLF ... last-chunk, trailer lines, empty line. Kept verbatim.
        int offset = 0;
        while (true)
        {
            string sizeLine = await ReadLineAsync(socket, buffer, chunk, offset);
            offset += sizeLine.Length + 2;
            int size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
            if (size == 0)
            {
                string trailer;
                do
                {
                    trailer = await ReadLineAsync(socket, buffer, chunk, offset);
                    offset += trailer.Length + 2;
                }
                while (trailer.Length > 0);
                break;
            }

            while (buffer.Count < offset + size + 2)
            {
                await ReceiveMoreAsync(socket, buffer, chunk);
            }

            offset += size + 2;
        }

        byte[] chunkedBody = buffer.GetRange(0, offset).ToArray();
        buffer.RemoveRange(0, offset);
        return chunkedBody;
    }

    private async Task<string> ReadLineAsync(Socket socket, List<byte> buffer, byte[] chunk, int offset)
    {
        while (true)
        {
            for (int i = offset; i + 1 < buffer.Count; i++)
            {
                if (buffer[i] == '\r' && buffer[i + 1] == '\n')
                {
                    return Encoding.ASCII.GetString(buffer.GetRange(offset, i - offset).ToArray());
                }
            }

            await ReceiveMoreAsync(socket, buffer, chunk);
        }
    }

    private async Task ReceiveMoreAsync(Socket socket, List<byte> buffer, byte[] chunk)
    {
        int n = await socket.ReceiveAsync(chunk, SocketFlags.None, _stop.Token);
        if (n == 0) throw new IOException("client closed mid-body");
        buffer.AddRange(chunk.AsSpan(0, n).ToArray());
    }

    private static int IndexOf(List<byte> haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Count; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }

        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        CloseAllConnections();
        await _acceptLoop;
        await Task.WhenAll(_connections).WaitAsync(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}

/// <summary>A request as the upstream received it.</summary>
public sealed record RecordedRequest(string Head, byte[] Body)
{
    /// <summary>All values of a header (case-insensitive name), in order.</summary>
    public IReadOnlyList<string> Values(string name)
    {
        var values = new List<string>();
        foreach (string line in Head.Split("\r\n").Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                values.Add(line[(colon + 1)..].Trim());
            }
        }

        return values;
    }

    public string RequestLine => Head[..Head.IndexOf("\r\n", StringComparison.Ordinal)];
}
