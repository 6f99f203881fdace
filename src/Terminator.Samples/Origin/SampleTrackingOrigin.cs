using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Terminator.Samples.Origin;

/// <summary>
/// A small, fast HTTP/1.1 "tracking server" used as the upstream in demo mode, tests, benchmarks and load tests.
/// <list type="bullet">
/// <item><c>GET|HEAD /f/…?target=&lt;percent-encoded http(s) URL&gt;</c> → <c>302 Found</c> to the decoded URL (400 if missing/invalid).</item>
/// <item><c>GET|HEAD /q/…</c> → <c>200 OK</c>, the 43-byte transparent GIF, <c>Cache-Control: no-store, max-age=0</c>.</item>
/// <item>Anything else → <c>404</c>. Keep-alive and pipelining are supported; nothing from the request is reflected
/// except the redirect target.</item>
/// </list>
/// </summary>
public sealed class SampleTrackingOrigin : IAsyncDisposable
{
    /// <summary>Transparent 1x1 GIF89a (43 bytes): the classic open-tracking pixel.</summary>
    internal static readonly byte[] GifBytes =
    [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, // "GIF89a"
        0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, // 1x1, global colour table of 2 entries
        0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, // black, white
        0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, // graphic control: colour 0 transparent
        0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // image descriptor
        0x02, 0x02, 0x44, 0x01, 0x00, // LZW image data
        0x3B, // trailer
    ];

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<OriginConnection, byte> _connections = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _requestCount;
    private long _connectionCount;
    private int _disposed;

    private SampleTrackingOrigin(Socket listener)
    {
        _listener = listener;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
    }

    /// <summary>The 43-byte transparent GIF served on <c>/q/</c>.</summary>
    public static ReadOnlyMemory<byte> Gif => GifBytes;

    /// <summary>The actually bound endpoint (resolves port 0 to the ephemeral port).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Request heads received so far (including rejected ones).</summary>
    public long RequestCount => Interlocked.Read(ref _requestCount);

    /// <summary>Connections accepted so far.</summary>
    public long ConnectionCount => Interlocked.Read(ref _connectionCount);

    /// <summary>Binds <paramref name="endPoint"/> (port 0 = ephemeral) and starts accepting.</summary>
    /// <param name="endPoint">Address to listen on.</param>
    /// <param name="cancellationToken">Cancels the start only; stop a running origin with <see cref="DisposeAsync"/>.</param>
    public static Task<SampleTrackingOrigin> StartAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        cancellationToken.ThrowIfCancellationRequested();
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endPoint);
            listener.Listen(1024);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var origin = new SampleTrackingOrigin(listener);
        origin._acceptLoop = Task.Run(origin.AcceptLoopAsync, CancellationToken.None);
        return Task.FromResult(origin);
    }

    /// <summary>Stops accepting, closes every connection and waits for their tasks.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Dispose();
        await _acceptLoop; // after this no connection can be added

        OriginConnection[] open = [.. _connections.Keys];
        var tasks = new Task[open.Length];
        for (int i = 0; i < open.Length; i++)
        {
            open[i].Abort();
            tasks[i] = open[i].Completion;
        }

        await Task.WhenAll(tasks);
        _stopping.Dispose();
    }

    internal void OnRequest() => Interlocked.Increment(ref _requestCount);

    internal void OnConnectionClosed(OriginConnection connection) => _connections.TryRemove(connection, out _);

    private async Task AcceptLoopAsync()
    {
        CancellationToken stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || (e is SocketException && stopping.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException)
            {
                continue; // e.g. the peer reset before accept completed
            }

            client.NoDelay = true; // small responses must not wait for Nagle
            Interlocked.Increment(ref _connectionCount);
            var connection = new OriginConnection(client, this);
            _connections.TryAdd(connection, 0);
            connection.Start(stopping);
        }
    }
}
