namespace Terminator.Diagnostics;

/// <summary>
/// Values that other components count themselves (the certificate cache, the upstream pool, the loggers), read by
/// <see cref="TerminatorMetrics"/>' observable instruments at each collection. The composition sets each one once, when
/// the component exists; until then (or when nothing sets it) the instrument reports 0. Callbacks run on the scraping
/// thread and must be cheap, thread-safe and never throw.
/// </summary>
internal sealed class MetricSources
{
    /// <summary>The certificate map's names, certificates and soonest expiry (a walk of the map: reused for a second or
    /// more, see <see cref="TerminatorMetrics"/>).</summary>
    public Func<CertificateInventory>? Certificates { get; set; }

    /// <summary>Certificates holding a loaded TLS context now (<c>Certificates/CertificateContextCache</c>).</summary>
    public Func<long>? CertificateCacheEntries { get; set; }

    /// <summary>The cache's capacity (<c>TERMINATOR_CERT_CACHE_SIZE</c>).</summary>
    public Func<long>? CertificateCacheCapacity { get; set; }

    /// <summary>Entries the cache evicted (to make room, or because their certificate left the map).</summary>
    public Func<long>? CertificateCacheEvictions { get; set; }

    /// <summary>Certificate materialisations that completed (key import and context build, ~ms each).</summary>
    public Func<long>? CertificateLoads { get; set; }

    /// <summary>Certificate materialisations that failed (file gone or tampered with since it was indexed).</summary>
    public Func<long>? CertificateLoadFailures { get; set; }

    /// <summary>SSL_CTX pins holding their context now (<c>Tls/SslContextPin</c>).</summary>
    public Func<long>? SslContextPinsHeld { get; set; }

    /// <summary>SSL_CTX pins that could not hold (the runtime could not build the SSL_CTX, or a fallback half-handshake ended on its own; the context is then not kept).</summary>
    public Func<long>? SslContextPinFailures { get; set; }

    /// <summary>Upstream connections opened.</summary>
    public Func<long>? UpstreamConnects { get; set; }

    /// <summary>Upstream connection attempts that failed (refused, unreachable, timed out).</summary>
    public Func<long>? UpstreamConnectFailures { get; set; }

    /// <summary>Rents served by a pooled (already used) upstream connection.</summary>
    public Func<long>? UpstreamReuses { get; set; }

    /// <summary>Upstream connections rented out now.</summary>
    public Func<long>? UpstreamActive { get; set; }

    /// <summary>Upstream connections idle in the pool now.</summary>
    public Func<long>? UpstreamIdle { get; set; }

    /// <summary>Requests waiting for an upstream connection (every address at TERMINATOR_UPSTREAM_MAX_CONNECTIONS).</summary>
    public Func<long>? UpstreamWaiters { get; set; }

    /// <summary>Log lines dropped by rate limiting.</summary>
    public Func<long>? LogLinesSuppressed { get; set; }

    /// <summary>Log lines dropped because the log output (stderr, the journal) did not keep up.</summary>
    public Func<long>? LogLinesDropped { get; set; }

    /// <summary>Access-log lines dropped because the writer could not keep up.</summary>
    public Func<long>? AccessLogLinesDropped { get; set; }

    /// <summary>Which runtime workarounds are in effect (<c>Tls/RuntimeWorkarounds.Current</c>).</summary>
    public Func<RuntimeWorkaroundState>? RuntimeWorkarounds { get; set; }

    /// <summary>The shared store's follower (TERMINATOR_STORE=postgres); null on a directory-store node, whose /metrics
    /// then carries no terminator_store_* series.</summary>
    public Func<StoreSyncStatus>? StoreSync { get; set; }
}
