using Terminator.AccessLog;
using Terminator.Caching;
using Terminator.Diagnostics;
using Terminator.Http;
using Terminator.Upstream;

namespace Terminator.Proxy;

/// <summary>What every <see cref="Http1ProxyLoop"/> of a server shares: limits, timeouts, the upstream pool and telemetry.
/// (The drain signals come with each connection, <see cref="Listener.ConnectionContext"/>.)</summary>
internal sealed partial class ProxyContext
{
    public required UpstreamPool Upstream { get; init; }
    public required HttpLimits Limits { get; init; }
    public required TerminatorMetrics Metrics { get; init; }
    public required TerminatorLog Log { get; init; }

    /// <summary>Time allowed for a whole request head once its first byte arrived (and for the first request from connect).</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Keep-alive idle time between requests, and the longest pause allowed inside a request body.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Minimum average rate (bytes/s) of a request body once <see cref="HeaderTimeout"/> has passed as a grace period
    /// (Kestrel's default, 240 B/s); a slower body gets 408 and frees its upstream connection. 0 disables the check.
    /// </summary>
    public int MinRequestBodyBytesPerSecond { get; init; } = 240;

    internal MinDataRate RequestBodyRate => new(MinRequestBodyBytesPerSecond, HeaderTimeout);

    /// <summary>Time to the upstream response head, and the longest pause allowed inside a response body.</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Client-sent forwarding headers: replaced (edge default) or appended to (behind a trusted proxy).</summary>
    public ForwardedHeadersMode ForwardedHeaders { get; init; } = ForwardedHeadersMode.Replace;

    /// <summary>Answers some requests without the upstream (ACME HTTP-01 challenges); null when nothing does.</summary>
    public IEdgeResponder? EdgeResponder { get; init; }

    /// <summary>On TLS connections, answer 421 to a request whose Host the connection's certificate does not cover.</summary>
    public bool HostCheck { get; init; } = true;

    /// <summary>What responses on TLS connections lose and gain (Server banners out, Strict-Transport-Security in).</summary>
    public HttpResponsePolicy HttpsResponses { get; init; } = HttpResponsePolicy.Default;

    /// <summary>The same for plain HTTP, which never gets Strict-Transport-Security (RFC 6797 §7.2).</summary>
    public HttpResponsePolicy HttpResponses { get; init; } = HttpResponsePolicy.Default;

    /// <summary>On plain HTTP, redirects requests for served hosts to https://; null proxies them.</summary>
    public HttpsRedirect? HttpsRedirect { get; init; }

    /// <summary>Where each request's access log line goes; null when the access log is off (nothing is captured then).</summary>
    public AccessLogWriter? AccessLog { get; init; }

    /// <summary>The micro-cache (TERMINATOR_CACHE_TTL), shared by both ports; null when it is off.</summary>
    public MicroCache? Cache { get; init; }
}
