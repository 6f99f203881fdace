using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Terminator.LoadTest.Target;

/// <summary>
/// A tracking origin the runner owns, on a loopback port, so <c>upstream-flap</c> can take it away and bring it back
/// under load: HTTP/1.1 with keep-alive, <c>/f/</c> answered 302, <c>/q/</c> the 43-byte GIF, anything else 404.
/// <see cref="StopAsync"/> closes the listener and every open connection (what a restarting origin process does to the
/// terminator's pooled connections); <see cref="Start"/> listens again on the same port.
/// </summary>
internal sealed class LoopbackUpstream : IAsyncDisposable
{
    private const int MaxHead = 16 * 1024;

    private static readonly byte[] Redirect = Encoding.ASCII.GetBytes(
        "HTTP/1.1 302 Found\r\nLocation: https://example.org/offer\r\nContent-Length: 0\r\nCache-Control: no-store\r\n\r\n");

    private static readonly byte[] Pixel = BuildPixelResponse();

    private static readonly byte[] NotFound = Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");

    private readonly ConcurrentDictionary<Socket, Task> _connections = new();
    private readonly Lock _gate = new();
    private Socket? _listener;
    private CancellationTokenSource? _stopping;
    private Task _accepting = Task.CompletedTask;

    public IPEndPoint EndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>Listens on <see cref="EndPoint"/> (an ephemeral port the first time, the same one after a stop).</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_listener is not null)
            {
                throw new InvalidOperationException("the upstream is already listening");
            }

            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            // The connections the stop closed sit in TIME_WAIT on this port; without it the restart could not bind.
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(EndPoint);
            listener.Listen(512);
            EndPoint = (IPEndPoint)listener.LocalEndPoint!;
            _listener = listener;
            _stopping = new CancellationTokenSource();
            _accepting = AcceptAsync(listener, _stopping.Token);
        }
    }

    /// <summary>Closes the listener and every connection, and waits until their loops ended.</summary>
    public async Task StopAsync()
    {
        Socket? listener;
        CancellationTokenSource? stopping;
        lock (_gate)
        {
            listener = _listener;
            stopping = _stopping;
            _listener = null;
        }

        if (listener is null || stopping is null)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        listener.Dispose();
        foreach (Socket connection in _connections.Keys)
        {
            connection.Dispose();
        }

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _accepting.WaitAsync(patience.Token).ConfigureAwait(false);
            await Task.WhenAll(_connections.Values).WaitAsync(patience.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        stopping.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task AcceptAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            connection.NoDelay = true;
            _connections[connection] = Task.Run(() => ServeAsync(connection, stopping), CancellationToken.None);
        }
    }

    /// <summary>One keep-alive connection: each request head (GET, no body expected; a Content-Length body is skipped)
    /// gets its canned answer, until the peer closes, says <c>Connection: close</c>, or the upstream stops.</summary>
    private async Task ServeAsync(Socket connection, CancellationToken stopping)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxHead);
        try
        {
            int filled = 0;
            while (!stopping.IsCancellationRequested)
            {
                int end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
                if (end < 0)
                {
                    if (filled == MaxHead)
                    {
                        return;
                    }

                    int read = await connection.ReceiveAsync(buffer.AsMemory(filled, MaxHead - filled), SocketFlags.None, stopping).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    filled += read;
                    continue;
                }

                int headLength = end + 4;
                (byte[] answer, bool close, long body) = Answer(buffer.AsSpan(0, headLength));
                await connection.SendAsync(answer, SocketFlags.None, stopping).ConfigureAwait(false);
                if (close || body > MaxHead)
                {
                    return;
                }

                int consumed = (int)Math.Min(filled, headLength + body);
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            connection.Dispose();
            _connections.TryRemove(connection, out _);
        }
    }

    private static (byte[] Answer, bool Close, long Body) Answer(ReadOnlySpan<byte> head)
    {
        int space = head.IndexOf((byte)' ');
        ReadOnlySpan<byte> target = space < 0 ? default : head[(space + 1)..];
        byte[] answer = target.StartsWith("/f/"u8) ? Redirect : target.StartsWith("/q/"u8) ? Pixel : NotFound;
        bool close = ContainsIgnoreCase(head, "\r\nconnection: close"u8);
        long body = 0;
        int at = IndexOfIgnoreCase(head, "\r\ncontent-length:"u8);
        if (at >= 0)
        {
            ReadOnlySpan<byte> value = head[(at + 17)..];
            value = value[..value.IndexOf((byte)'\r')].Trim((byte)' ');
            body = System.Buffers.Text.Utf8Parser.TryParse(value, out long length, out _) ? length : long.MaxValue;
        }

        return (answer, close, body);
    }

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> lowerNeedle) => IndexOfIgnoreCase(text, lowerNeedle) >= 0;

    private static int IndexOfIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> lowerNeedle)
    {
        for (int i = 0; i + lowerNeedle.Length <= text.Length; i++)
        {
            int j = 0;
            while (j < lowerNeedle.Length && Lower(text[i + j]) == lowerNeedle[j])
            {
                j++;
            }

            if (j == lowerNeedle.Length)
            {
                return i;
            }
        }

        return -1;
    }

    private static byte Lower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;

    private static byte[] BuildPixelResponse()
    {
        // The transparent 1×1 GIF every open pixel serves (43 bytes).
        byte[] gif = Convert.FromBase64String("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==");
        byte[] head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {gif.Length}\r\nCache-Control: no-store\r\n\r\n");
        return [.. head, .. gif];
    }
}
