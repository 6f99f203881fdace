using System.Net;
namespace Terminator.Configuration;

/// <summary>
/// The validated daemon configuration. Build it with <see cref="TerminatorEnvironment.TryLoad"/>;
/// every property's initial value is the documented default (see <see cref="TerminatorEnvironment.Variables"/>).
/// </summary>
internal sealed record TerminatorOptions
{
    /// <summary>TLS listeners (<c>TERMINATOR_HTTPS_LISTEN</c>); never empty after validation.</summary>
    public IReadOnlyList<IPEndPoint> HttpsListen { get; init; } = [new IPEndPoint(IPAddress.Any, 443)];

    /// <summary>Plain-HTTP listeners (<c>TERMINATOR_HTTP_LISTEN</c>); empty when disabled with <c>off</c>.</summary>
    public IReadOnlyList<IPEndPoint> HttpListen { get; init; } = [new IPEndPoint(IPAddress.Any, 80)];

    /// <summary>The admin API listener (<c>TERMINATOR_ADMIN_LISTEN</c>); null when it is <c>off</c>.</summary>
    public IPEndPoint? AdminListen { get; init; } = DefaultAdminListen;

    /// <summary>Bearer token of the admin API (<c>TERMINATOR_ADMIN_TOKEN</c> or the file named by
    /// <c>TERMINATOR_ADMIN_TOKEN_FILE</c>); null when neither is set, in which case the API's /v1 calls are refused.</summary>
    public AdminToken? AdminToken { get; init; }

    /// <summary>The token file (<c>TERMINATOR_ADMIN_TOKEN_FILE</c>), when the token came from one; its permissions deserve a warning.</summary>
    public string? AdminTokenFile { get; init; }

    /// <summary>Directory of plain PEM certificates, read-only (<c>TERMINATOR_CERT_DIR</c>); validated to exist. Null when
    /// a store key is configured, the variable is unset and the default directory does not exist (store only).</summary>
    public string? CertDirectory { get; init; } = "/etc/terminator/certs";

    /// <summary>Encrypted certificate store directory (<c>TERMINATOR_STORE_DIR</c>).</summary>
    public string StoreDirectory { get; init; } = DefaultStoreDirectory;

    /// <summary>
    /// Where the managed-domain registry persists (<c>Domains/ManagedDomainRegistry</c>): <c>domains/</c> under
    /// <see cref="StoreDirectory"/>, not a variable of its own. The domains and the certificates issued for them are one
    /// state, backed up, moved and owned (mode 700, the daemon's user) together; the store ignores sub-folders.
    /// </summary>
    public string DomainsDirectory => Path.Combine(StoreDirectory, DomainsSubdirectory);

    /// <summary>Key of the encrypted store (<c>TERMINATOR_STORE_KEY</c> or the file named by <c>TERMINATOR_STORE_KEY_FILE</c>);
    /// null when neither is set, in which case the store is not used.</summary>
    public StoreKey? StoreKey { get; init; }

    /// <summary>The key file (<c>TERMINATOR_STORE_KEY_FILE</c>), when the key came from one; its permissions are checked at start-up.</summary>
    public string? StoreKeyFile { get; init; }

    /// <summary>Handling of unknown or missing SNI (<c>TERMINATOR_UNKNOWN_SNI</c>).</summary>
    public UnknownSniPolicy UnknownSni { get; init; } = UnknownSniPolicy.Reject;

    /// <summary>
    /// Fallback certificate (<c>TERMINATOR_DEFAULT_CERT</c>): a combined PEM (chain + key) or a certificate with a
    /// sibling <c>.key</c>. Required when <see cref="UnknownSni"/> is <see cref="UnknownSniPolicy.Default"/>.
    /// </summary>
    public string? DefaultCertificatePath { get; init; }

    /// <summary>
    /// Staple OCSP responses for certificates whose leaf names an <c>http://</c> OCSP responder and whose chain reaches
    /// a root (<c>TERMINATOR_OCSP_STAPLING</c>); their contexts are built at load and SslStream fetches the responses
    /// from this host. False: no responder is ever contacted.
    /// </summary>
    public bool OcspStapling { get; init; } = true;

    /// <summary>How many certificates keep a materialised TLS context (<c>TERMINATOR_CERT_CACHE_SIZE</c>); see
    /// the certificate context cache.</summary>
    public int CertCacheSize { get; init; } = DefaultCertCacheSize;

    /// <summary>Build every certificate's TLS context in the background after start-up when they all fit in the cache
    /// (<c>TERMINATOR_CERT_PREWARM</c>; see <c>Certificates/CertificatePrewarmer</c>).</summary>
    public bool CertPrewarm { get; init; } = true;

    /// <summary>Pin each cached certificate's OpenSSL SSL_CTX so its session cache survives the runtime's SSL_CTX
    /// cache clean-ups (<c>TERMINATOR_SSL_CTX_PIN</c>; see <c>Tls/SslContextPin</c>).</summary>
    public bool SslContextPin { get; init; } = true;

    /// <summary>Upstream host name or IP literal (IPv6 without brackets), from <c>TERMINATOR_UPSTREAM</c>.</summary>
    public string UpstreamHost { get; init; } = "127.0.0.1";

    /// <summary>Upstream TCP port, from <c>TERMINATOR_UPSTREAM</c>.</summary>
    public int UpstreamPort { get; init; } = 8080;

    /// <summary>How long a resolved upstream address list is reused (<c>TERMINATOR_UPSTREAM_DNS_TTL</c>).</summary>
    public TimeSpan UpstreamDnsTtl { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connection cap per upstream address (<c>TERMINATOR_UPSTREAM_MAX_CONNECTIONS</c>).</summary>
    public int UpstreamMaxConnections { get; init; } = 256;

    /// <summary>Time from sending a request upstream to receiving the response head (<c>TERMINATOR_UPSTREAM_TIMEOUT</c>).</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>TCP connect timeout to the upstream (<c>TERMINATOR_UPSTREAM_CONNECT_TIMEOUT</c>).</summary>
    public TimeSpan UpstreamConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a pooled idle upstream connection is kept (<c>TERMINATOR_UPSTREAM_IDLE_TIMEOUT</c>).</summary>
    public TimeSpan UpstreamIdleTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Client-sent forwarding headers: replaced (the edge default) or appended to behind a trusted proxy
    /// (<c>TERMINATOR_FORWARDED_HEADERS</c>).</summary>
    public ForwardedHeadersPolicy ForwardedHeaders { get; init; } = ForwardedHeadersPolicy.Replace;

    /// <summary>On HTTPS, answer 421 to a request whose Host the connection's certificate does not cover
    /// (<c>TERMINATOR_HOST_CHECK</c>).</summary>
    public bool HostCheck { get; init; } = true;

    /// <summary>Request header carrying the client's JA4 fingerprint on HTTPS; null or empty when off
    /// (<c>TERMINATOR_JA4_HEADER</c>).</summary>
    public string? Ja4Header { get; init; }

    /// <summary>Limit for the whole TLS handshake (<c>TERMINATOR_HANDSHAKE_TIMEOUT</c>).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The whole request head must arrive within this time (<c>TERMINATOR_HEADER_TIMEOUT</c>).</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Keep-alive idle time allowed between client requests (<c>TERMINATOR_IDLE_TIMEOUT</c>).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Minimum average request-body rate in bytes/s after a grace of <see cref="HeaderTimeout"/>; 0 turns the
    /// check off (<c>TERMINATOR_MIN_BODY_RATE</c>).</summary>
    public int MinRequestBodyBytesPerSecond { get; init; } = 240;

    /// <summary>Maximum request head size in bytes (<c>TERMINATOR_MAX_HEADER_BYTES</c>).</summary>
    public int MaxHeaderBytes { get; init; } = 32768;

    /// <summary>Maximum number of request header fields (<c>TERMINATOR_MAX_HEADER_COUNT</c>).</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>Maximum request-target length in bytes (<c>TERMINATOR_MAX_REQUEST_TARGET</c>).</summary>
    public int MaxRequestTargetLength { get; init; } = 8192;

    /// <summary>Maximum concurrent client connections (<c>TERMINATOR_MAX_CONNECTIONS</c>).</summary>
    public int MaxConnections { get; init; } = 100000;

    /// <summary>Maximum concurrent client connections from one IP address (<c>TERMINATOR_MAX_CONNECTIONS_PER_IP</c>).</summary>
    public int MaxConnectionsPerIp { get; init; } = 512;

    /// <summary>Leading bits of an IPv6 client address that count as one client for <see cref="MaxConnectionsPerIp"/>
    /// (<c>TERMINATOR_MAX_CONNECTIONS_PER_IP_IPV6_PREFIX</c>); IPv4 clients count per address.</summary>
    public int MaxConnectionsPerIpIpv6Prefix { get; init; } = 64;

    /// <summary>Grace period for in-flight requests on shutdown (<c>TERMINATOR_DRAIN_TIMEOUT</c>).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>listen(2) backlog per listener (<c>TERMINATOR_LISTEN_BACKLOG</c>).</summary>
    public int ListenBacklog { get; init; } = 4096;

    /// <summary>The access log (<c>TERMINATOR_ACCESS_LOG</c>, <c>_FORMAT</c>, <c>_QUERY</c>); off by default.</summary>
    public AccessLogOptions AccessLog { get; init; } = AccessLogOptions.Default;

    /// <summary>Minimum log level: <c>debug</c>, <c>info</c>, <c>warn</c> or <c>error</c> (<c>TERMINATOR_LOG_LEVEL</c>).</summary>
    public string LogLevel { get; init; } = "info";

    /// <summary>PROXY protocol from trusted L4 balancers (<c>TERMINATOR_PROXY_PROTOCOL</c>, <c>TERMINATOR_PROXY_TRUSTED</c>).</summary>
    public ProxyProtocolOptions ProxyProtocol { get; init; } = ProxyProtocolOptions.Off;

    /// <summary>Log line format: <c>text</c> or <c>json</c> (<c>TERMINATOR_LOG_FORMAT</c>).</summary>
    public string LogFormat { get; init; } = "text";

    /// <summary>Hand the C heap's free memory back to the kernel after certificate loads and load peaks
    /// (<c>TERMINATOR_MEMORY_TRIM</c>; <c>Hosting.NativeMemoryTrimmer</c>).</summary>
    public bool MemoryTrim { get; init; } = true;

    /// <summary>Automatic certificates (<c>TERMINATOR_ACME_*</c>).</summary>
    public AcmeOptions Acme { get; init; } = new();

    /// <summary>The store kind and its database (<c>TERMINATOR_STORE</c>, <c>TERMINATOR_DATABASE_URL[_FILE]</c>).</summary>
    public FleetOptions Fleet { get; init; } = FleetOptions.Default;

    /// <summary>HSTS, the port-80 redirect and the Server header (<c>TERMINATOR_HSTS</c>, <c>TERMINATOR_HTTP_REDIRECT</c>, <c>TERMINATOR_SERVER_HEADER</c>).</summary>
    public ResponsePolicyOptions Responses { get; init; } = new();

    /// <summary>The micro-cache (<c>TERMINATOR_CACHE_*</c>); off by default.</summary>
    public CacheOptions Cache { get; init; } = CacheOptions.Off;

    /// <summary>The folder under <see cref="StoreDirectory"/> that holds the managed-domain registry.</summary>
    public const string DomainsSubdirectory = "domains";

    /// <summary>Default <see cref="AdminListen"/>: loopback only, so the API is reachable from this host alone.</summary>
    public static IPEndPoint DefaultAdminListen { get; } = new(IPAddress.Loopback, 9180);

    /// <summary>Default <see cref="StoreDirectory"/> (<c>TERMINATOR_STORE_DIR</c>).</summary>
    public const string DefaultStoreDirectory = "/var/lib/terminator/store";

    /// <summary>
    /// Default <see cref="CertCacheSize"/>. A materialised ECDSA P-256 entry (leaf + key + chain context + OpenSSL
    /// SSL_CTX and the rent that keeps it) measured ~31 KiB of RSS per warm name in the macro benchmark (it was ~120 KiB
    /// with the half-handshake pin), so 10,000 hold ~0.3 GiB and cover the active domains of a typical sender; a domain
    /// outside the cache pays one ~1 ms load in its handshake. A node with a million names and little memory should lower it.
    /// </summary>
    public const int DefaultCertCacheSize = 10_000;

    /// <summary>All defaults (note: <see cref="CertDirectory"/> is not checked to exist here).</summary>
    public static TerminatorOptions Default { get; } = new();
}
