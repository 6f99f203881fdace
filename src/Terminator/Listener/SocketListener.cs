using System.Net;
using System.Net.Sockets;
using Terminator.Diagnostics;

namespace Terminator.Listener;

/// <summary>
/// One bound listening socket and its accept loop. Each accepted socket gets TCP_NODELAY, a connection-limit check,
/// a <see cref="ConnectionContext"/> over its stream and one task on the thread pool running the listener's
/// <see cref="ConnectionDelegate"/> (the first step of the pipeline); nothing else happens per byte here. The listener
/// owns the socket: it closes it when the pipeline completes, and counts the connection in the
/// <see cref="ConnectionDrain"/> while it runs.
/// </summary>
internal sealed class SocketListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ConnectionDelegate _pipeline;
    private readonly ConnectionLimiter _limiter;
    private readonly ConnectionDrain _drain;
    private readonly ListenerMetrics _metrics;
    private readonly TerminatorLog _log;
    private readonly ITrustedForwarders? _forwarders;
    private Task? _acceptLoop;

    private SocketListener(Socket socket, ConnectionDelegate pipeline, ConnectionLimiter limiter, ConnectionDrain drain, ListenerMetrics metrics, TerminatorLog log,
        ITrustedForwarders? forwarders)
    {
        _forwarders = forwarders;
        _socket = socket;
        _pipeline = pipeline;
        _limiter = limiter;
        _drain = drain;
        _metrics = metrics;
        _log = log;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>The bound address (the real port when 0 was asked for).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>
    /// Binds exclusively and listens; throws <see cref="SocketException"/> with the address in the message when the
    /// port is taken — also by another process: no SO_REUSEPORT, which would let a second daemon bind the same address
    /// and have the kernel split connections between the two. (The runtime sets SO_REUSEADDR on listening sockets
    /// itself, so a restart still binds while old connections linger in TIME_WAIT.)
    /// </summary>
    /// <param name="forwarders">Peers whose connections carry their client's address (PROXY protocol balancers): counted
    /// in the total at accept, and against the client a pipeline step names rather than against the balancer.</param>
    public static SocketListener Bind(IPEndPoint endPoint, int backlog, ConnectionDelegate pipeline, ConnectionLimiter limiter, ConnectionDrain drain, ListenerMetrics metrics, TerminatorLog log,
        ITrustedForwarders? forwarders = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                // [::] serves IPv6 only, so "0.0.0.0:443,[::]:443" can both be bound (nginx ipv6only=on).
                socket.DualMode = false;
            }

            socket.Bind(endPoint);
            socket.Listen(backlog);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new SocketException((int)ex.SocketErrorCode, $"cannot listen on {endPoint}: {ex.Message}");
        }

        return new SocketListener(socket, pipeline, limiter, drain, metrics, log, forwarders);
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
                ListenerLog.AcceptFailed(_log, EndPoint, ex.SocketErrorCode);
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }

            _metrics.ConnectionAccepted();
            var remote = (IPEndPoint)accepted.RemoteEndPoint!;
            // A balancer is not one client: its connections wait for the step that learns theirs.
            bool forwarded = _forwarders?.Contains(remote.Address) == true;
            ConnectionAdmission admission = forwarded
                ? _limiter.TryAcquireTotal() ? ConnectionAdmission.Admitted : ConnectionAdmission.OverTotalLimit
                : _limiter.Admit(remote.Address);
            if (admission != ConnectionAdmission.Admitted)
            {
                _metrics.ConnectionRefused(perAddress: admission == ConnectionAdmission.OverAddressLimit);
                accepted.Close(0);
                continue;
            }

            accepted.NoDelay = true;
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.listener.RunConnectionAsync(state.accepted, state.remote, state.forwarded),
                (listener: this, accepted, remote, forwarded), preferLocal: false);
        }
    }

    private async Task RunConnectionAsync(Socket socket, IPEndPoint remote, bool forwarded)
    {
        var network = new NetworkStream(socket, ownsSocket: true);
        var connection = new ConnectionContext(network, remote, EndPoint, _drain, _limiter, remoteCharged: !forwarded);
        _drain.Enter();
        bool completed = false;
        try
        {
            // Each step runs here, in this one frame, when the step before handed the connection on rather than awaiting
            // it (ConnectionContext.HandOff): the TLS step's state machine is gone once its handshake is done.
            ConnectionDelegate? step = _pipeline;
            while (step is not null)
            {
                await step(connection).ConfigureAwait(false);
                step = connection.TakeHandOff();
            }

            completed = true;
        }
        catch (Exception ex)
        {
            // Steps must not throw; if one does, it is a bug: the connection is dropped, the server keeps running.
            ListenerLog.ConnectionFailed(_log, remote.Address, ex);
        }
        finally
        {
            try
            {
                await connection.EndAsync(completed).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                ListenerLog.ConnectionFailed(_log, remote.Address, ex);
            }

            await network.DisposeAsync().ConfigureAwait(false);
            if (connection.ChargedAddress is { } charged)
            {
                _limiter.ReleaseAddress(charged);
            }

            _limiter.ReleaseTotal();
            _metrics.ConnectionClosed();
            _drain.Exit();
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
