using System.Net;
using Terminator.Diagnostics;
using Terminator.Domains;
using Terminator.Listener;

namespace Terminator.Admin;

/// <summary>
/// The admin listener (plain HTTP, loopback by default): <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> for every
/// node, and with automatic HTTPS the /v1 domains API the platform manages domains through (<c>terminator domains</c> is
/// its command-line client). Runs on the connection pipeline of the proxy ports — a <see cref="SocketListener"/> whose
/// single step is <see cref="AdminConnection"/> — with its own connection limits, drain and connection counters, so
/// admin traffic neither counts against nor is starved by client traffic.
/// </summary>
/// <remarks>
/// Started first, before certificates load, so a probe sees 503 on /readyz during a long start-up rather than a refused
/// connection. What the host supplies: the metrics and the <see cref="Readiness"/>, the token (in
/// <see cref="AdminServerOptions"/>; null turns /v1 off), and later, once they are open, the
/// <see cref="ManagedDomainRegistry"/> and <see cref="AdminCallbacks"/> (<see cref="ServeDomains"/>).
/// </remarks>
internal sealed class AdminServer : IAsyncDisposable
{
    private const int Backlog = 128;

    private readonly SocketListener _listener;
    private readonly ConnectionDrain _drain;
    private readonly TimeSpan _drainTimeout;
    private readonly AdminRequestHandler _handler;
    private readonly TerminatorLog _log;

    private AdminServer(SocketListener listener, ConnectionDrain drain, TimeSpan drainTimeout, AdminRequestHandler handler, TerminatorLog log)
    {
        _listener = listener;
        _drain = drain;
        _drainTimeout = drainTimeout;
        _handler = handler;
        _log = log;
    }

    /// <summary>The bound address (the real port when 0 was asked for).</summary>
    public IPEndPoint EndPoint => _listener.EndPoint;

    /// <summary>Connections open now.</summary>
    public int ActiveConnections => _drain.ActiveConnections;

    /// <summary>Binds <see cref="AdminServerOptions.EndPoint"/> and starts accepting, with /v1 served from
    /// <paramref name="registry"/> at once.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The address cannot be bound (the message names it).</exception>
    public static AdminServer Start(AdminServerOptions options, ManagedDomainRegistry registry, AdminCallbacks callbacks, TerminatorLog log)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(callbacks);
        AdminServer server = Start(options with { DomainsApi = true }, log, metrics: null, readiness: null);
        server.ServeDomains(registry, callbacks);
        return server;
    }

    /// <summary>Binds <see cref="AdminServerOptions.EndPoint"/> and starts accepting: the probes and
    /// <paramref name="metrics"/> at once, /v1 (when <see cref="AdminServerOptions.DomainsApi"/>) after
    /// <see cref="ServeDomains"/>.</summary>
    /// <param name="metrics">Served on /metrics; null: /metrics is 404.</param>
    /// <param name="readiness">Answered on /readyz; null: always ready.</param>
    /// <exception cref="System.Net.Sockets.SocketException">The address cannot be bound (the message names it).</exception>
    public static AdminServer Start(AdminServerOptions options, TerminatorLog log, TerminatorMetrics? metrics, Readiness? readiness)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        if (readiness is null)
        {
            readiness = new Readiness();
            readiness.MarkReady();
        }

        var handler = new AdminRequestHandler(options, log, metrics, readiness);
        var drain = new ConnectionDrain();
        // Per address, not per /64: the API is for a few known clients, usually on loopback.
        var limiter = new ConnectionLimiter(options.MaxConnections, options.MaxConnectionsPerAddress, ipv6PrefixLength: 128);
        SocketListener listener;
        try
        {
            listener = SocketListener.Bind(options.EndPoint, Backlog, connection => AdminConnection.RunAsync(connection, options, handler, log),
                limiter, drain, new ListenerMetrics("admin"), log);
        }
        catch
        {
            drain.Dispose();
            throw;
        }

        listener.Start();
        string v1 = !options.DomainsApi && !options.FleetApi ? "off: TERMINATOR_ACME is off"
            : options.Token is null ? "off: no token configured"
            : options.DomainsApi ? "bearer token required"
            : "/v1/fleet only (TERMINATOR_ACME is off), bearer token required";
        AdminLog.Listening(log.Admin, listener.EndPoint, v1);
        return new AdminServer(listener, drain, options.DrainTimeout, handler, log);
    }

    /// <summary>Starts answering /v1 from <paramref name="registry"/> (503 until now).</summary>
    public void ServeDomains(ManagedDomainRegistry registry, AdminCallbacks callbacks)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(callbacks);
        _handler.ServeDomains(registry, callbacks);
        AdminLog.ServingDomains(_log.Admin, EndPoint, registry.Count);
    }

    /// <summary>Starts answering <c>GET /v1/fleet</c> from <paramref name="view"/> (a fleet node, once its store is open).</summary>
    public void ServeFleet(IFleetView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        _handler.ServeFleet(view);
    }

    /// <summary>Answers /v1 with 503 from now on (the host is about to close the registry).</summary>
    public void StopServingDomains() => _handler.StopServingDomains();

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
