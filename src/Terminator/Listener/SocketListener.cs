using System.Net;
using System.Net.Sockets;
using Terminator.Diagnostics;

namespace Terminator.Listener;

/// <summary>
/// One bound listening socket and its accept loop. Each accepted socket gets TCP_NODELAY, a connection-limit check,
/// and one task on the thread pool running <see cref="IConnectionHandler.HandleAsync"/>; nothing else happens per byte here.
/// </summary>
internal sealed class SocketListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly IConnectionHandler _handler;
    private readonly ConnectionLimiter _limiter;
    private readonly TerminatorMetrics _metrics;
    private readonly TerminatorLog _log;
    private Task? _acceptLoop;

    private SocketListener(Socket socket, IConnectionHandler handler, ConnectionLimiter limiter, TerminatorMetrics metrics, TerminatorLog log)
    {
        _socket = socket;
        _handler = handler;
        _limiter = limiter;
        _metrics = metrics;
        _log = log;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>The bound address (the real port when 0 was asked for).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Binds and listens; throws <see cref="SocketException"/> with the address in the message when the port is taken.</summary>
    public static SocketListener Bind(IPEndPoint endPoint, int backlog, IConnectionHandler handler, ConnectionLimiter limiter, TerminatorMetrics metrics, TerminatorLog log)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                // [::] serves IPv6 only, so "0.0.0.0:443,[::]:443" can both be bound (nginx ipv6only=on).
                socket.DualMode = false;
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endPoint);
            socket.Listen(backlog);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new SocketException((int)ex.SocketErrorCode, $"cannot listen on {endPoint}: {ex.Message}");
        }

        return new SocketListener(socket, handler, limiter, metrics, log);
    }

    public void Start() => _acceptLoop ??= AcceptLoopAsync();

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted or SocketError.InvalidArgument)
            {
                return;
            }
            catch (SocketException ex)
            {
                // EMFILE/ENFILE and friends: back off briefly instead of spinning (nginx "accept() failed ... too many open files").
                _log.Warn($"accept on {EndPoint} failed: {ex.SocketErrorCode}");
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }

            _metrics.ConnectionAccepted();
            IPAddress remote = ((IPEndPoint)accepted.RemoteEndPoint!).Address;
            if (!_limiter.TryAcquire(remote))
            {
                _metrics.ConnectionRejectedByLimit();
                accepted.Close(0);
                continue;
            }

            accepted.NoDelay = true;
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.listener.RunConnectionAsync(state.accepted, state.remote), (listener: this, accepted, remote), preferLocal: false);
        }
    }

    private async Task RunConnectionAsync(Socket socket, IPAddress remote)
    {
        try
        {
            await _handler.HandleAsync(socket).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A handler must not throw; if one does, the connection is dropped and the server keeps running.
            _log.Error($"connection from {remote} ended with an unexpected error: {ex}");
            socket.Dispose();
        }
        finally
        {
            _limiter.Release(remote);
        }
    }

    /// <summary>Stops accepting. Established connections are not touched (drain handles them).</summary>
    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }
    }
}
