using System.Net;
using Terminator.AccessLog;
using Terminator.Acme;
using Terminator.Caching;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Http;
using Terminator.Interop;
using Terminator.Listener;
using Terminator.Proxy;
using Terminator.ProxyProtocol;
using Terminator.Tls;
using Terminator.Upstream;

namespace Terminator.Hosting;

/// <summary>
/// The composition root of the connection pipelines: on the HTTPS addresses
/// <see cref="SocketListener"/> → <see cref="TlsHandshakeStep"/> → <see cref="Http1ProxyStep"/>, on the HTTP addresses
/// the same without TLS, both led by <see cref="ProxyProtocolStep"/> when PROXY protocol is on; one upstream pool and
/// one drain for both. The daemon and the tests both start it through here.
/// </summary>
internal sealed class TerminatorServer : IAsyncDisposable
{
    private readonly TerminatorOptions _options;
    private readonly List<SocketListener> _listeners = [];
    private readonly ConnectionDrain _drain = new();
    private readonly ConnectionDelegate _httpsPipeline;
    private readonly ConnectionDelegate _httpPipeline;
    private readonly SniCertificateSelector _selector;
    private readonly ConnectionLimiter _limiter;
    private readonly HttpsRedirect? _redirect;
    private readonly TrustedNetworks? _forwarders;
    private readonly bool _ownsMetrics;
    private readonly NativeMemoryTrimmer? _memoryTrimmer;
    private bool _stopped;

    /// <param name="challenges">ACME challenges to answer (HTTP-01 on both ports before anything goes upstream, TLS-ALPN-01
    /// on the TLS port); null when ACME is off.</param>
    /// <param name="accessLog">The access log to write to (owned: drained and closed on stop); null opens the one
    /// <paramref name="options"/> configure, if any.</param>
    /// <param name="metrics">Where to count (the daemon creates them before loading certificates, so the admin listener
    /// serves them during start-up); null: the server makes its own, and disposes them with itself.</param>
    public TerminatorServer(TerminatorOptions options, CertificateMap certificates, CertificateEntry? defaultCertificate, TerminatorLog log,
        AcmeChallengeTable? challenges = null, TerminatorMetrics? metrics = null, AccessLogWriter? accessLog = null)
    {
        // Applying the TLS 1.2 suite policy here would be too late if anything in the process has already handshaken
        // (it would silently not take) and unsafe while another thread builds an SSL_CTX: the process must do it first.
        if (!OpenSslCipherPolicy.IsApplied)
        {
            throw new InvalidOperationException("OpenSslCipherPolicy.Apply() must run at process start, before any TLS handshake (see Interop/OpenSslCipherPolicy).");
        }

        _options = options;
        Certificates = certificates;
        Log = log;
        _ownsMetrics = metrics is null;
        Metrics = metrics ?? new TerminatorMetrics();
        AccessLog = accessLog ?? AccessLogWriter.Create(options.AccessLog, log);
        Upstream = new UpstreamPool(new UpstreamPoolOptions
        {
            Host = options.UpstreamHost,
            Port = options.UpstreamPort,
            DnsTtl = options.UpstreamDnsTtl,
            MaxConnectionsPerAddress = options.UpstreamMaxConnections,
            IdleTimeout = options.UpstreamIdleTimeout,
            ConnectTimeout = options.UpstreamConnectTimeout,
        });
        _selector = new SniCertificateSelector(certificates);
        _redirect = options.Responses.RedirectHttpToHttps ? new HttpsRedirect(_selector) : null;
        var context = new ProxyContext
        {
            Upstream = Upstream,
            Limits = new HttpLimits
            {
                MaxHeaderBytes = options.MaxHeaderBytes,
                MaxHeaderCount = options.MaxHeaderCount,
                MaxRequestTargetLength = options.MaxRequestTargetLength,
            },
            Metrics = Metrics,
            Log = log,
            HeaderTimeout = options.HeaderTimeout,
            IdleTimeout = options.IdleTimeout,
            MinRequestBodyBytesPerSecond = options.MinRequestBodyBytesPerSecond,
            UpstreamTimeout = options.UpstreamTimeout,
            ForwardedHeaders = options.ForwardedHeaders == ForwardedHeadersPolicy.Append ? ForwardedHeadersMode.Append : ForwardedHeadersMode.Replace,
            HostCheck = options.HostCheck,
            EdgeResponder = challenges,
            // Encoded once here: applying them per response copies bytes and allocates nothing.
            HttpsResponses = new HttpResponsePolicy(options.Responses.StripServerHeaders, options.Responses.StrictTransportSecurity),
            HttpResponses = new HttpResponsePolicy(options.Responses.StripServerHeaders, strictTransportSecurity: null),
            HttpsRedirect = _redirect,
            AccessLog = AccessLog,
            Cache = options.Cache.Enabled ? new MicroCache(options.Cache, Metrics, log) : null,
            Ja4Header = string.IsNullOrEmpty(options.Ja4Header) ? null : System.Text.Encoding.ASCII.GetBytes(options.Ja4Header),
        };
        _memoryTrimmer = options.MemoryTrim
            ? new NativeMemoryTrimmer(() => _drain.ActiveConnections, () => certificates.ContextCache.Admitted + certificates.ContextCache.Evicted, NativeMemoryTrimmer.CollectAndTrim)
            : null;
        _limiter = new ConnectionLimiter(options.MaxConnections, options.MaxConnectionsPerIp, options.MaxConnectionsPerIpIpv6Prefix);
        DefaultCertificate = defaultCertificate;
        ConnectionDelegate http = new Http1ProxyStep(context).OnConnectionAsync;
        // RFC 8737 §3: a handshake on acme-tls/1 only proves control of the name; nothing is served over it, so the
        // step after the handshake is to close (with close_notify).
        TlsProtocolRoute[] routes = challenges is null ? [] : [new TlsProtocolRoute(AlpnFlags.AcmeTls1, challenges, static _ => Task.CompletedTask)];
        ConnectionDelegate https = new TlsHandshakeStep(_selector, http, options.HandshakeTimeout, Metrics, log, routes, fingerprint: !string.IsNullOrEmpty(options.Ja4Header)).OnConnectionAsync;
        if (options.ProxyProtocol.Enabled)
        {
            // First on both ports: the header precedes the ClientHello or the request, and everything after reads the
            // client it names. The header shares the handshake's time budget: a balancer sends it at once.
            _forwarders = new TrustedNetworks(options.ProxyProtocol.TrustedNetworks);
            ProxyProtocolVersions accepted = AcceptedVersions(options.ProxyProtocol.Mode);
            http = new ProxyProtocolStep(accepted, _forwarders, http, options.HandshakeTimeout, Metrics, log).OnConnectionAsync;
            https = new ProxyProtocolStep(accepted, _forwarders, https, options.HandshakeTimeout, Metrics, log).OnConnectionAsync;
        }

        _httpPipeline = http;
        _httpsPipeline = https;
        MetricSourceRegistration.ObserveCertificates(Metrics.Sources, certificates);
        MetricSourceRegistration.ObserveUpstream(Metrics.Sources, Upstream);
        Metrics.Sources.LogLinesSuppressed = () => log.SuppressedLines;
        Metrics.Sources.LogLinesDropped = () => log.DroppedLines;
        if (AccessLog is { } accessLogWriter)
        {
            Metrics.Sources.AccessLogLinesDropped = () => accessLogWriter.DroppedLines;
        }
    }

    private static ProxyProtocolVersions AcceptedVersions(ProxyProtocolMode mode) => mode switch
    {
        ProxyProtocolMode.V1 => ProxyProtocolVersions.V1,
        ProxyProtocolMode.V2 => ProxyProtocolVersions.V2,
        _ => ProxyProtocolVersions.Any,
    };

    public TerminatorMetrics Metrics { get; }
    public CertificateMap Certificates { get; }
    public UpstreamPool Upstream { get; }
    public TerminatorLog Log { get; }

    /// <summary>The access log (reopened on SIGUSR1; its drop counter is a metric); null when it is off.</summary>
    public AccessLogWriter? AccessLog { get; }
    public int ActiveConnections => _drain.ActiveConnections;

    /// <summary>The shared total / per-IP connection limiter (tests check it returns to empty).</summary>
    internal ConnectionLimiter Limiter => _limiter;

    /// <summary>Bound TLS addresses (real ports when 0 was configured).</summary>
    public IReadOnlyList<IPEndPoint> HttpsEndPoints { get; private set; } = [];

    /// <summary>Bound plain-HTTP addresses.</summary>
    public IReadOnlyList<IPEndPoint> HttpEndPoints { get; private set; } = [];

    /// <summary>Served for missing or unknown SNI under the "default" policy (ignored under "reject"); replaceable
    /// while running (a reloaded TERMINATOR_DEFAULT_CERT), each handshake reads it once.</summary>
    public CertificateEntry? DefaultCertificate
    {
        get => _selector.DefaultCertificate;
        set => _selector.DefaultCertificate = _options.UnknownSni == UnknownSniPolicy.Default ? value : null;
    }

    /// <summary>Binds every address (all or nothing: a taken port fails start-up) and starts accepting.</summary>
    public void Start()
    {
        try
        {
            HttpsEndPoints = Bind(_options.HttpsListen, _httpsPipeline, Metrics.Https);
            // Before the plain listeners exist, so no request sees the redirect without its port.
            _redirect?.UseHttpsEndPoints(HttpsEndPoints);
            HttpEndPoints = Bind(_options.HttpListen, _httpPipeline, Metrics.Http);
        }
        catch
        {
            foreach (SocketListener listener in _listeners)
            {
                listener.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            throw;
        }

        foreach (SocketListener listener in _listeners)
        {
            listener.Start();
        }

        _memoryTrimmer?.Start(TimeProvider.System);
    }

    /// <summary>
    /// Hands the C heap's free memory back to the kernel now (TERMINATOR_MEMORY_TRIM): after a bulk certificate load,
    /// whose file reads, PEM parsing and key imports have just been freed. Does nothing when the variable is off.
    /// </summary>
    public void TrimNativeMemory() => _memoryTrimmer?.TrimNow();

    private List<IPEndPoint> Bind(IReadOnlyList<IPEndPoint> endPoints, ConnectionDelegate pipeline, ListenerMetrics metrics)
    {
        var bound = new List<IPEndPoint>(endPoints.Count);
        foreach (IPEndPoint endPoint in endPoints)
        {
            SocketListener listener = SocketListener.Bind(endPoint, _options.ListenBacklog, pipeline, _limiter, _drain, metrics, Log, _forwarders);
            _listeners.Add(listener);
            bound.Add(listener.EndPoint);
        }

        return bound;
    }

    /// <summary>
    /// Graceful stop: close the listeners, let in-flight requests finish (idle keep-alive connections close at once),
    /// abort what is left after <paramref name="drainTimeout"/>. Returns false when connections had to be aborted.
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan drainTimeout)
    {
        if (_stopped)
        {
            return true;
        }

        _stopped = true;
        _memoryTrimmer?.Dispose();
        foreach (SocketListener listener in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        bool clean = await _drain.DrainAsync(drainTimeout).ConfigureAwait(false);
        await Upstream.DisposeAsync().ConfigureAwait(false);
        if (AccessLog is not null)
        {
            // After the drain: every request that finished has queued its line, and all of them are written out.
            await AccessLog.DisposeAsync().ConfigureAwait(false);
        }

        return clean;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        _drain.Dispose();
        if (_ownsMetrics)
        {
            Metrics.Dispose();
        }
    }
}
