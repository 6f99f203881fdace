using System.Diagnostics.Metrics;

namespace Terminator.Diagnostics;

// The micro-cache (TERMINATOR_CACHE_TTL): lookups by result, evictions, and what it holds.
internal sealed partial class TerminatorMetrics
{
    private long _cacheHits;
    private long _cacheMisses;
    private long _cacheCoalesced;
    private long _cacheBypasses;
    private long _cacheEvictions;
    private Func<long>? _cacheBytes;
    private Func<long>? _cacheEntries;

    /// <summary>Requests answered from a fresh stored response.</summary>
    public long CacheHits => Volatile.Read(ref _cacheHits);

    /// <summary>Cacheable requests that found nothing fresh and went upstream.</summary>
    public long CacheMisses => Volatile.Read(ref _cacheMisses);

    /// <summary>Requests that found another request fetching their key and waited for it instead of going upstream.</summary>
    public long CacheCoalesced => Volatile.Read(ref _cacheCoalesced);

    /// <summary>Requests the cache does not apply to (a method other than GET/HEAD, a body, Authorization, no-cache).</summary>
    public long CacheBypasses => Volatile.Read(ref _cacheBypasses);

    /// <summary>Fresh entries dropped to stay within TERMINATOR_CACHE_MAX_BYTES.</summary>
    public long CacheEvictions => Volatile.Read(ref _cacheEvictions);

    /// <summary>Bytes the cache holds now (0 when it is off).</summary>
    public long CacheBytes => _cacheBytes?.Invoke() ?? 0;

    internal void CacheHit() => Interlocked.Increment(ref _cacheHits);
    internal void CacheMiss() => Interlocked.Increment(ref _cacheMisses);
    internal void CacheCoalesce() => Interlocked.Increment(ref _cacheCoalesced);
    internal void CacheBypass() => Interlocked.Increment(ref _cacheBypasses);
    internal void CacheEviction() => Interlocked.Increment(ref _cacheEvictions);

    /// <summary>Reads the cache's size from <paramref name="bytes"/> and <paramref name="entries"/> at each collection.</summary>
    internal void ObserveCache(Func<long> bytes, Func<long> entries)
    {
        _cacheBytes = bytes;
        _cacheEntries = entries;
    }

    private void CreateCacheInstruments()
    {
        _meter.CreateObservableCounter("terminator.cache.requests",
            () => new Measurement<long>[]
            {
                new(CacheHits, Tag("result", "hit")),
                new(CacheMisses, Tag("result", "miss")),
                new(CacheCoalesced, Tag("result", "coalesced")),
                new(CacheBypasses, Tag("result", "bypass")),
            },
            "{request}", "Requests seen by the micro-cache (TERMINATOR_CACHE_TTL), by result: answered from memory (hit), sent upstream (miss), waited for an identical request already upstream (coalesced), not cacheable (bypass).");
        _meter.CreateObservableCounter("terminator.cache.evictions", () => CacheEvictions, "{response}",
            "Fresh micro-cache entries dropped to stay within TERMINATOR_CACHE_MAX_BYTES (expired ones leave uncounted).");
        _meter.CreateObservableUpDownCounter("terminator.cache.bytes", () => CacheBytes, "By",
            "Bytes the micro-cache holds: keys, heads, bodies and per-entry overhead.");
        _meter.CreateObservableUpDownCounter("terminator.cache.entries", () => _cacheEntries?.Invoke() ?? 0, "{response}",
            "Responses the micro-cache holds.");
    }
}
