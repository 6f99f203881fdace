using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of another endpoint that records the first bytes each client sends (up to
/// <see cref="RecordLimit"/>), so a test can compare what the server derived from a ClientHello with what an independent
/// tool derives from the very same bytes. Both directions are copied until either side closes.
/// </summary>
public sealed class FirstBytesRelay : IAsyncDisposable
{
    /// <summary>Enough for any ClientHello (the parser caps one at 16 KiB plus record headers).</summary>
    public const int RecordLimit = 20 * 1024;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly Task _acceptLoop;

    public FirstBytesRelay(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Per accepted connection, in accept order: the client's first bytes (filled as they arrive).</summary>
    public ConcurrentQueue<MemoryStream> Recorded { get; } = new();

    /// <summary>The bytes recorded for the connection accepted <paramref name="index"/>-th (0-based).</summary>
    public byte[] ClientBytes(int index)
    {
        MemoryStream stream = Recorded.ElementAt(index);
        lock (stream)
        {
            return stream.ToArray();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var recorded = new MemoryStream();
            Recorded.Enqueue(recorded);
            _connections.Add(RelayAsync(client, recorded));
        }
    }

    private async Task RelayAsync(Socket client, MemoryStream recorded)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _sockets.Add(client);
        _sockets.Add(server);
        try
        {
            await server.ConnectAsync(_target, _stop.Token);
            // Each direction ends at its EOF (passed on as a half-close) or at a failure, which closes both sockets.
            await Task.WhenAll(CopyAsync(client, server, recorded), CopyAsync(server, client, null));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    private async Task CopyAsync(Socket from, Socket to, MemoryStream? recorded)
    {
        byte[] buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (recorded is not null)
                {
                    lock (recorded)
                    {
                        int room = RecordLimit - (int)recorded.Length;
                        recorded.Write(buffer, 0, Math.Min(room, read));
                    }
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (Socket socket in _sockets)
        {
            socket.Dispose();
        }

        await _acceptLoop;
        await Task.WhenAll(_connections).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
