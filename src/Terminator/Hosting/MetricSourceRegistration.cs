using Terminator.Certificates;
using Terminator.Diagnostics;
using Terminator.Tls;
using Terminator.Upstream;

namespace Terminator.Hosting;

/// <summary>Points the metrics' <see cref="MetricSources"/> at the components that count for themselves (the
/// certificate map and its cache, the upstream pool); the composition calls these once per component.</summary>
internal static class MetricSourceRegistration
{
    /// <summary>Names, certificates and expiry from the map; hits of the TLS context cache and its SSL_CTX pins.</summary>
    public static void ObserveCertificates(MetricSources sources, CertificateMap certificates)
    {
        CertificateContextCache cache = certificates.ContextCache;
        sources.Certificates = certificates.Summarize;
        sources.CertificateCacheEntries = () => cache.Count;
        sources.CertificateCacheCapacity = () => cache.Capacity;
        sources.CertificateCacheEvictions = () => cache.Evicted;
        sources.CertificateLoads = () => cache.Loads;
        sources.CertificateLoadFailures = () => cache.LoadFailures;
        sources.SslContextPinsHeld = () => cache.Pins.Held;
        sources.SslContextPinFailures = () => cache.Pins.Failed;
        sources.RuntimeWorkarounds = static () => RuntimeWorkarounds.Current;
    }

    /// <summary>Connects, reuses and the pool's occupancy.</summary>
    public static void ObserveUpstream(MetricSources sources, UpstreamPool pool)
    {
        sources.UpstreamConnects = () => pool.ConnectionsOpened;
        sources.UpstreamConnectFailures = () => pool.ConnectFailures;
        sources.UpstreamReuses = () => pool.ConnectionsReused;
        sources.UpstreamActive = () => pool.ActiveCount;
        sources.UpstreamIdle = () => pool.IdleCount;
        sources.UpstreamWaiters = () => pool.WaiterCount;
    }
}
