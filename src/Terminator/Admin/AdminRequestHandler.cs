using System.Text;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Domains;

namespace Terminator.Admin;

/// <summary>
/// Authenticates and routes admin requests. Every path under <c>/v1</c> needs <c>Authorization: Bearer &lt;token&gt;</c>
/// (RFC 6750 §2.1); without a configured token the whole /v1 API answers 403 with the reason. The probes and the
/// metrics need no token. Routes:
/// <code>
///   GET  /metrics                               Prometheus exposition (MetricsEndpoint)
///   GET  /healthz, /readyz                      liveness, readiness (HealthEndpoint)
///   GET  /v1/domains?state=&amp;cursor=&amp;limit=    list (paged)
///   GET | PUT | DELETE /v1/domains/{name}       state, manage, stop managing (?purge=true)
///   GET  /v1/fleet?cursor=&amp;limit=              nodes and certificates of a shared store (FleetEndpoint)
/// </code>
/// /v1/fleet answers on a fleet node (TERMINATOR_STORE=postgres; 404 saying it is not a fleet otherwise) once the store is
/// open (<see cref="ServeFleet"/>), ACME on or off. The rest of /v1 exists only with ACME on (404 saying so otherwise) and answers 503 until the host has opened the managed-domain
/// registry (<see cref="ServeDomains"/>), which happens after the certificates have loaded, and again once it closes. The token is never logged:
/// only the peer's address and what was refused.
/// </summary>
internal sealed class AdminRequestHandler(AdminServerOptions options, TerminatorLog log, TerminatorMetrics? metrics, Readiness readiness)
{
    private const string ApiRoot = "/v1";
    private const string DomainsPath = "/v1/domains";
    private const string FleetPath = "/v1/fleet";

    /// <summary>RFC 6750 §3: the challenge names the scheme; "realm" lets a client tell this API's token from others.</summary>
    private const string Challenge = "Bearer realm=\"terminator\"";

    private static readonly AdminResponse s_notFound = AdminResponse.Error(404,
        "no such endpoint (GET /metrics, /healthz, /readyz; GET|PUT|DELETE /v1/domains/{name}, GET /v1/domains and GET /v1/fleet)");

    private static readonly AdminResponse s_notAFleet = AdminResponse.Error(404,
        "not a fleet: this node's store is a directory (the fleet view needs TERMINATOR_STORE=postgres)");

    private static readonly AdminResponse s_domainsOff = AdminResponse.Error(404,
        "the domains API is off: it runs with automatic HTTPS (TERMINATOR_ACME=on)");

    private static readonly AdminResponse s_domainsNotServing = AdminResponse.Error(503,
        "the domains API is not serving yet (certificates and managed domains are loading) or any more (stopping); retry shortly");

    private readonly MetricsEndpoint? _metrics = metrics is null ? null : new MetricsEndpoint(metrics);
    private readonly HealthEndpoint _health = new(readiness);
    private DomainsEndpoint? _domains;
    private FleetEndpoint? _fleet;

    /// <summary>Starts answering /v1/fleet from <paramref name="view"/> (until then, and on a directory store, 404).</summary>
    public void ServeFleet(IFleetView view) => Volatile.Write(ref _fleet, new FleetEndpoint(view));

    /// <summary>Starts answering /v1 from <paramref name="registry"/> (until then it answers 503).</summary>
    public void ServeDomains(ManagedDomainRegistry registry, AdminCallbacks callbacks) =>
        Volatile.Write(ref _domains, new DomainsEndpoint(registry, callbacks, log));

    /// <summary>Answers /v1 with 503 again (the registry is about to close).</summary>
    public void StopServingDomains() => Volatile.Write(ref _domains, null);

    public ValueTask<AdminResponse> HandleAsync(AdminRequest request, CancellationToken cancellationToken)
    {
        string path = request.Path;
        switch (path)
        {
            case "/metrics" when _metrics is not null:
                return ValueTask.FromResult(_metrics.Get(request));
            case "/healthz":
                return ValueTask.FromResult(HealthEndpoint.Live(request));
            case "/readyz":
                return ValueTask.FromResult(_health.Ready(request));
        }

        if (!path.Equals(ApiRoot, StringComparison.Ordinal) && !path.StartsWith(ApiRoot + "/", StringComparison.Ordinal))
        {
            return ValueTask.FromResult(s_notFound);
        }

        if (path.Equals(FleetPath, StringComparison.Ordinal))
        {
            return GetFleetAsync(request, cancellationToken);
        }

        if (!options.DomainsApi)
        {
            return ValueTask.FromResult(s_domainsOff);
        }

        if (RefuseWithoutToken(request) is { } refusal)
        {
            return ValueTask.FromResult(refusal);
        }

        if (Volatile.Read(ref _domains) is not { } domains)
        {
            return ValueTask.FromResult(s_domainsNotServing);
        }

        if (path.Equals(DomainsPath, StringComparison.Ordinal))
        {
            return ValueTask.FromResult(domains.List(request));
        }

        if (path.StartsWith(DomainsPath + "/", StringComparison.Ordinal))
        {
            string segment = path[(DomainsPath.Length + 1)..];
            if (segment.Length > 0 && !segment.Contains('/', StringComparison.Ordinal))
            {
                return domains.HandleItemAsync(request, segment, cancellationToken);
            }
        }

        return ValueTask.FromResult(s_notFound);
    }

    /// <summary>The fleet view: the same token as the rest of /v1, whether or not the domains API runs.</summary>
    private ValueTask<AdminResponse> GetFleetAsync(AdminRequest request, CancellationToken cancellationToken)
    {
        if (RefuseWithoutToken(request) is { } refusal)
        {
            return ValueTask.FromResult(refusal);
        }

        return Volatile.Read(ref _fleet) is { } fleet ? fleet.GetAsync(request, cancellationToken) : ValueTask.FromResult(s_notAFleet);
    }

    /// <summary>Null when a token is configured and the request carries it; otherwise the 403, 401 or 400 to send.</summary>
    private AdminResponse? RefuseWithoutToken(AdminRequest request)
    {
        AdminToken? token = options.Token;
        if (token is null)
        {
            return AdminResponse.Error(403,
                "the admin API is off: no token is configured (set TERMINATOR_ADMIN_TOKEN or TERMINATOR_ADMIN_TOKEN_FILE)");
        }

        return Authenticate(request, token);
    }

    /// <summary>Null when the request carries the token; otherwise the 401 (or 400) to send.</summary>
    private AdminResponse? Authenticate(AdminRequest request, AdminToken expected)
    {
        if (request.AuthorizationFieldCount == 0)
        {
            // RFC 6750 §3.1: a request with no credentials gets the challenge without an error code.
            return Unauthorized("this call needs 'Authorization: Bearer <token>'", errorCode: null);
        }

        if (request.AuthorizationFieldCount > 1)
        {
            return AdminResponse.Error(400, "more than one Authorization field") with { Close = true };
        }

        ReadOnlySpan<byte> field = request.Authorization.Span;
        // credentials = auth-scheme 1*SP token68; the scheme is case-insensitive (RFC 9110 §11.1, §11.4).
        int space = field.IndexOf((byte)' ');
        if (space < 0 || !Ascii.EqualsIgnoreCase(field[..space], "Bearer"u8))
        {
            return Unauthorized("this call needs a Bearer token ('Authorization: Bearer <token>')", errorCode: null);
        }

        ReadOnlySpan<byte> presented = field[(space + 1)..].TrimStart((byte)' ');
        if (expected.Matches(presented))
        {
            return null;
        }

        AdminLog.TokenRefused(log, request);
        return Unauthorized("the token is not valid", errorCode: "invalid_token");
    }

    /// <summary>405 with the methods the resource allows (RFC 9110 §15.5.6).</summary>
    internal static AdminResponse MethodNotAllowed(string allow) =>
        AdminResponse.Error(405, $"method not allowed here (allowed: {allow})") with { Allow = allow };

    private static AdminResponse Unauthorized(string reason, string? errorCode) =>
        AdminResponse.Error(401, reason) with
        {
            WwwAuthenticate = errorCode is null ? Challenge : $"{Challenge}, error=\"{errorCode}\"",
        };
}
