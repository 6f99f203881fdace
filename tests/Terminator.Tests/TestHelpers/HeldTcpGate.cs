using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// A TCP listener on a given 127.0.0.1 port that accepts connections and holds them, reading nothing, until
/// <see cref="Open"/> names where they go; from then on every connection, held or new, is relayed there both ways. A
/// test puts it where a CA's validator connects, so an order stays in the middle of its validation for as long as the
/// test needs (to crash the node that placed it), and is answered by another node afterwards.
/// </summary>
public sealed class HeldTcpGate : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly TaskCompletionSource<IPEndPoint> _target = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _acceptLoop;
    private int _accepted;

    public HeldTcpGate(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    /// <summary>Connections accepted so far (held or relayed).</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Relays every connection to <paramref name="target"/> from now on.</summary>
    public void Open(IPEndPoint target) => _target.TrySetResult(target);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (Socket socket in _sockets)
        {
            socket.Dispose();
        }

        await _acceptLoop;
        await Task.WhenAll(_connections);
        _stop.Dispose();
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

            Interlocked.Increment(ref _accepted);
            _sockets.Add(client);
            _connections.Add(RelayAsync(client));
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _sockets.Add(server);
        try
        {
            IPEndPoint target = await _target.Task.WaitAsync(_stop.Token);
            await server.ConnectAsync(target, _stop.Token);
            await Task.WhenAll(CopyAsync(client, server), CopyAsync(server, client));
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

    private async Task CopyAsync(Socket from, Socket to)
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

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
