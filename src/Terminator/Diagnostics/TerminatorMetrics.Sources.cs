using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Terminator.Diagnostics;

// Instruments over values other components count (Sources): certificates, the certificate cache, SSL_CTX pins, the
// upstream pool, the loggers.
internal sealed partial class TerminatorMetrics
{
    // The inventory walks the whole map: 14 ms at 100,000 names, 385 ms at a million (cold caches; bench
    // CertificateInventoryBenchmark), and a scrape reads it three times. It is reused for a second, or for a hundred times
    // as long as the last walk took, so walking costs at most ~1% of a core however often Prometheus scrapes (a million
    // names: refreshed every ~40 s; expiry moves in days).
    private static readonly TimeSpan InventoryMinAge = TimeSpan.FromSeconds(1);
    private const int InventoryCostFactor = 100;

    private readonly Lock _inventoryGate = new();
    private CertificateInventory _inventory;
    private long _inventoryTimestamp;
    private TimeSpan _inventoryMaxAge = InventoryMinAge;

    private void CreateSourceInstruments()
    {
        _meter.CreateObservableUpDownCounter("terminator.certificates", () => Inventory().Certificates, "{certificate}",
            "Certificates served (distinct certificates in the map, from the store and TERMINATOR_CERT_DIR).");
        _meter.CreateObservableUpDownCounter("terminator.certificate.names", () => Inventory().Names, "{name}",
            "Names served (exact and wildcard).");
        _meter.CreateObservableGauge("terminator.certificate.soonest_expiry.timestamp", ObserveSoonestExpiry, "s",
            "The earliest notAfter (Unix time) among the certificates names are served with now; absent when nothing is served.");

        _meter.CreateObservableUpDownCounter("terminator.certificate.cache.entries", () => Read(Sources.CertificateCacheEntries), "{certificate}",
            "Certificates holding a loaded TLS context (key, chain context, SSL_CTX).");
        _meter.CreateObservableUpDownCounter("terminator.certificate.cache.capacity", () => Read(Sources.CertificateCacheCapacity), "{certificate}",
            "TERMINATOR_CERT_CACHE_SIZE.");
        _meter.CreateObservableCounter("terminator.certificate.cache.evictions", () => Read(Sources.CertificateCacheEvictions), "{certificate}",
            "Loaded certificates dropped from the cache (to make room, or because they were renewed or removed).");
        _meter.CreateObservableCounter("terminator.certificate.loads",
            () => new Measurement<long>[]
            {
                new(Read(Sources.CertificateLoads), Tag("result", "ok")),
                new(Read(Sources.CertificateLoadFailures), Tag("result", "error")),
            },
            "{load}", "Cold certificate loads (file read, decryption, key import, context build), by result.");

        _meter.CreateObservableUpDownCounter("terminator.ssl_context.pins", () => Read(Sources.SslContextPinsHeld), "{pin}",
            "OpenSSL SSL_CTX pins held (one per cached certificate, keeping its context and session cache alive).");
        _meter.CreateObservableCounter("terminator.ssl_context.pin_failures", () => Read(Sources.SslContextPinFailures), "{pin}",
            "SSL_CTX pins that ended on their own (their certificate's context is then rebuilt on the runtime's terms).");

        _meter.CreateObservableGauge("terminator.runtime.workaround", ObserveRuntimeWorkarounds, "{workaround}",
            "1 while a workaround reaching into the runtime's private members is in effect, 0 once it fell back to the runtime's own behaviour (after a .NET update).");

        _meter.CreateObservableCounter("terminator.upstream.connects",
            () => new Measurement<long>[]
            {
                new(Read(Sources.UpstreamConnects), Tag("result", "ok")),
                new(Read(Sources.UpstreamConnectFailures), Tag("result", "error")),
            },
            "{connection}", "Upstream connection attempts, by result (error: refused, unreachable or timed out).");
        _meter.CreateObservableCounter("terminator.upstream.reuses", () => Read(Sources.UpstreamReuses), "{request}",
            "Requests that went out on a pooled keep-alive upstream connection.");
        _meter.CreateObservableUpDownCounter("terminator.upstream.pool.connections",
            () => new Measurement<long>[]
            {
                new(Read(Sources.UpstreamActive), Tag("state", "active")),
                new(Read(Sources.UpstreamIdle), Tag("state", "idle")),
            },
            "{connection}", "Upstream connections now: carrying a request (active) or pooled (idle).");
        _meter.CreateObservableUpDownCounter("terminator.upstream.pool.waiters", () => Read(Sources.UpstreamWaiters), "{request}",
            "Requests waiting for an upstream connection (every upstream address at TERMINATOR_UPSTREAM_MAX_CONNECTIONS).");

        _meter.CreateObservableCounter("terminator.log.lines_suppressed", () => Read(Sources.LogLinesSuppressed), "{line}",
            "Log lines dropped by rate limiting.");
        _meter.CreateObservableCounter("terminator.log.lines_dropped", () => Read(Sources.LogLinesDropped), "{line}",
            "Log lines dropped because the log output did not keep up (its queue was full).");
        _meter.CreateObservableCounter("terminator.access_log.lines_dropped", () => Read(Sources.AccessLogLinesDropped), "{line}",
            "Access-log lines dropped because the writer could not keep up.");
    }

    private IEnumerable<Measurement<long>> ObserveRuntimeWorkarounds()
    {
        if (Sources.RuntimeWorkarounds is not { } source)
        {
            return [];
        }

        RuntimeWorkaroundState state = source();
        return
        [
            new(state.ChainBuildSkipped ? 1 : 0, Tag("workaround", "chain_build_skip")),
            new(state.SslContextRented ? 1 : 0, Tag("workaround", "ssl_ctx_rent")),
            new(state.RecordBuffersReleased ? 1 : 0, Tag("workaround", "record_buffer_release")),
            new(state.BioBuffersReleased ? 1 : 0, Tag("workaround", "bio_buffer_release")),
        ];
    }

    private IEnumerable<Measurement<long>> ObserveSoonestExpiry() =>
        Inventory().SoonestNotAfter is { } soonest ? [new Measurement<long>(soonest.ToUnixTimeSeconds())] : [];

    private CertificateInventory Inventory()
    {
        Func<CertificateInventory>? source = Sources.Certificates;
        if (source is null)
        {
            return default;
        }

        lock (_inventoryGate)
        {
            if (_inventoryTimestamp == 0 || Stopwatch.GetElapsedTime(_inventoryTimestamp) > _inventoryMaxAge)
            {
                long started = Stopwatch.GetTimestamp();
                _inventory = source();
                _inventoryTimestamp = Stopwatch.GetTimestamp();
                TimeSpan cost = Stopwatch.GetElapsedTime(started, _inventoryTimestamp);
                _inventoryMaxAge = cost * InventoryCostFactor > InventoryMinAge ? cost * InventoryCostFactor : InventoryMinAge;
            }

            return _inventory;
        }
    }
}
