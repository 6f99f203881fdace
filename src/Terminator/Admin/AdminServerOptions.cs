using System.Net;
using Terminator.Configuration;
using Terminator.Http;

namespace Terminator.Admin;

/// <summary>How the admin listener binds, whom it lets in, and how long it waits. The defaults suit a loopback control
/// API driven by one platform client: small requests, short waits, few connections.</summary>
internal sealed record AdminServerOptions
{
    /// <summary>Where to listen; port 0 binds an ephemeral port (see <see cref="AdminServer.EndPoint"/>).</summary>
    public required IPEndPoint EndPoint { get; init; }

    /// <summary>The bearer token every /v1 call must present; null turns the /v1 API off (403 with the reason).</summary>
    public AdminToken? Token { get; init; }

    /// <summary>Whether the /v1 domains API runs here (automatic HTTPS is on); false answers 404 saying why.</summary>
    public bool DomainsApi { get; init; } = true;

    /// <summary>Whether this node is a fleet node (TERMINATOR_STORE=postgres): <c>GET /v1/fleet</c> answers once the host
    /// calls <see cref="AdminServer.ServeFleet"/>, ACME on or off. Only for the start-up line.</summary>
    public bool FleetApi { get; init; }

    /// <summary>A connection with no request under way is closed after this long (keep-alive between platform calls).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Once a request's first byte arrived, its head and body must arrive within this time (else 408).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed to handle a request (the registry write, the host's callbacks) before it is cancelled.</summary>
    public TimeSpan HandlerTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Time allowed to write a response to a client that does not read.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest request body accepted (a PUT's JSON is a few dozen bytes); larger gets 413.</summary>
    public int MaxBodyBytes { get; init; } = 4096;

    /// <summary>Open connections allowed in all.</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>Open connections allowed per client address.</summary>
    public int MaxConnectionsPerAddress { get; init; } = 32;

    /// <summary>
    /// Request head limits: 8 KiB heads, 32 fields, 2 KiB targets (a cursor for the longest name is 340 characters).
    /// </summary>
    public HttpLimits Limits { get; init; } = new() { MaxHeaderBytes = 8 * 1024, MaxHeaderCount = 32, MaxRequestTargetLength = 2 * 1024 };

    /// <summary>How long <see cref="AdminServer.DisposeAsync"/> lets requests under way finish.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
