using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Terminator.MacroBench;

/// <summary>
/// Many idle TLS keep-alive connections held by the load client: each one a full TLS 1.3 handshake (a name spread over
/// all names), one keep-alive request and its response, then nothing — what a mail client's image fetches leave
/// behind. Opened <c>concurrency</c> at a time and at most <c>perSecond</c>, each within a timeout, all within a
/// deadline kept below the terminators' idle timeouts (60 s or more) so the first ones are still open when memory is
/// read. The client keeps only the socket and the SslStream per connection (no pending read, no buffer of its own).
/// </summary>
internal sealed class IdleConnectionSet : IAsyncDisposable
{
    private static readonly TimeSpan s_perConnectionTimeout = TimeSpan.FromSeconds(10);
    private readonly Socket?[] _sockets;
    private readonly SslStream?[] _streams;
    private int _errors;

    private IdleConnectionSet(int count)
    {
        _sockets = new Socket?[count];
        _streams = new SslStream?[count];
    }

    public int Opened { get; private set; }
    public int Errors => _errors;
    public TimeSpan OpenTime { get; private set; }

    public static async Task<IdleConnectionSet> OpenAsync(IPEndPoint target, IReadOnlyList<string> names, int count, int concurrency, int perSecond, TimeSpan deadline)
    {
        var set = new IdleConnectionSet(count);
        using var stop = new CancellationTokenSource(deadline);
        long start = Stopwatch.GetTimestamp();
        int next = -1;
        var workers = new Task[concurrency];
        for (int w = 0; w < concurrency; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                var buffer = new byte[4096];
                int index;
                while ((index = Interlocked.Increment(ref next)) < count && !stop.IsCancellationRequested)
                {
                    // The pace: connection i starts no earlier than i / perSecond after the first.
                    TimeSpan due = TimeSpan.FromSeconds((double)index / perSecond) - Stopwatch.GetElapsedTime(start);
                    if (due > TimeSpan.Zero) await Task.Delay(due, CancellationToken.None);
                    await set.OpenOneAsync(target, names[index * 7919 % names.Count], index, buffer, stop.Token);
                }
            });
        }

        await Task.WhenAll(workers);
        set.OpenTime = Stopwatch.GetElapsedTime(start);
        set.Opened = set._streams.Count(s => s is not null);
        return set;
    }

    /// <summary>How many of the connections the client opened the terminator has not closed. An idle keep-alive
    /// connection has nothing to read; one that has is either closed (FIN, RST, or a TLS close_notify first, as HAProxy
    /// sends on its idle timeout) or got a late TLS message (a session ticket), told apart by reading it briefly.</summary>
    public async Task<int> StillOpenAsync()
    {
        int open = 0;
        var buffer = new byte[4096];
        for (int i = 0; i < _sockets.Length; i++)
        {
            if (_sockets[i] is not { } socket || _streams[i] is not { } tls) continue;
            try
            {
                if (!socket.Poll(0, SelectMode.SelectRead))
                {
                    open++;
                    continue;
                }

                using var brief = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
                if (await tls.ReadAsync(buffer, brief.Token) > 0) open++; // a response nobody asked for: still open
            }
            catch (OperationCanceledException)
            {
                open++; // nothing but a TLS message the stream consumed: still open
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or AuthenticationException)
            {
            }
        }

        return open;
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = 0; i < _streams.Length; i++)
        {
            if (_streams[i] is { } tls) await tls.DisposeAsync();
            _streams[i] = null;
            _sockets[i] = null;
        }
    }

    private async Task OpenOneAsync(IPEndPoint target, string name, int index, byte[] buffer, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(s_perConnectionTimeout);
        SslStream? tls = null;
        try
        {
            Socket socket = await LoadClient.ConnectSocketAsync(target, timeout.Token);
            tls = await LoadClient.AuthenticateAsync(socket, name, allowResume: false, timeout.Token);
            await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET /q/open HTTP/1.1\r\nHost: {name}\r\nUser-Agent: terminator-macrobench\r\n\r\n"), timeout.Token);
            if (await LoadClient.ReadResponseAsync(tls, buffer, timeout.Token))
            {
                _sockets[index] = socket;
                _streams[index] = tls;
                return;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or OperationCanceledException)
        {
        }

        if (tls is not null) await tls.DisposeAsync();
        Interlocked.Increment(ref _errors);
    }
}
