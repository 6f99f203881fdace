using System.Net;
using Terminator.Diagnostics;
using Terminator.Domains;
using Terminator.Listener;

namespace Terminator.Admin;

/// <summary>
/// The admin HTTP API (plain HTTP, loopback by default): the platform manages domains through it, and
/// <c>terminator domains</c> is its command-line client. Runs on the connection pipeline of the proxy ports — a
/// <see cref="SocketListener"/> whose single step is <see cref="AdminConnection"/> — with its own connection limits,
/// drain and metrics, so admin traffic neither counts against nor is starved by client traffic.
/// </summary>
/// <remarks>
/// What the host supplies: the <see cref="ManagedDomainRegistry"/> (the state), <see cref="AdminCallbacks"/> (wake the
/// scheduler, purge certificates), the token (in <see cref="AdminServerOptions"/>; null turns /v1 off) and the log.
/// </remarks>
internal sealed class AdminServer : IAsyncDisposable
{
    private const int Backlog = 128;

    private readonly SocketListener _listener;
    private readonly ConnectionDrain _drain;
    private readonly TimeSpan _drainTimeout;

    private AdminServer(SocketListener listener, ConnectionDrain drain, TimeSpan drainTimeout)
    {
        _listener = listener;
        _drain = drain;
        _drainTimeout = drainTimeout;
    }

    /// <summary>The bound address (the real port when 0 was asked for).</summary>
    public IPEndPoint EndPoint => _listener.EndPoint;

    /// <summary>Connections open now.</summary>
    public int ActiveConnections => _drain.ActiveConnections;

    /// <summary>Binds <see cref="AdminServerOptions.EndPoint"/> and starts accepting.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The address cannot be bound (the message names it).</exception>
    public static AdminServer Start(AdminServerOptions options, ManagedDomainRegistry registry, AdminCallbacks callbacks, TerminatorLog log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(callbacks);
        ArgumentNullException.ThrowIfNull(log);
        var handler = new AdminRequestHandler(registry, options.Token, callbacks, log);
        var drain = new ConnectionDrain();
        // Per address, not per /64: the API is for a few known clients, usually on loopback.
        var limiter = new ConnectionLimiter(options.MaxConnections, options.MaxConnectionsPerAddress, ipv6PrefixLength: 128);
        SocketListener listener;
        try
        {
            listener = SocketListener.Bind(options.EndPoint, Backlog, connection => AdminConnection.RunAsync(connection, options, handler, log),
                limiter, drain, new TerminatorMetrics(), log);
        }
        catch
        {
            drain.Dispose();
            throw;
        }

        listener.Start();
        AdminLog.Listening(log.Admin, listener.EndPoint, options.Token is null ? "off: no token configured" : "bearer token required", registry.Count);
        return new AdminServer(listener, drain, options.DrainTimeout);
    }

    /// <summary>Stops accepting, closes idle connections, lets requests under way finish for up to the drain timeout.</summary>
    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync().ConfigureAwait(false);
        if (await _drain.DrainAsync(_drainTimeout).ConfigureAwait(false))
        {
            _drain.Dispose(); // aborted connections may still be unwinding on its tokens otherwise
        }
    }
}
