using System.Collections.Concurrent;
using Terminator.Configuration;
using Terminator.Diagnostics;

namespace Terminator.Caching;

/// <summary>
/// The micro-cache: responses kept for a few seconds under a byte-exact request key (<see cref="CacheKey"/>), so that a
/// link scanner's repeat fetches of a tracking URL are answered at the edge and a burst of identical fetches costs the
/// origin one request.
/// </summary>
/// <remarks>
/// <para>Reads take no lock: a <see cref="ConcurrentDictionary{TKey,TValue}"/> looked up by span (its alternate lookup),
/// whose entries are immutable. A hit is that lookup, a clock read and a counter increment: 0 B.</para>
/// <para>Entries leave in insertion order from one <see cref="ConcurrentQueue{T}"/>: every entry lives the same TTL
/// (only <see cref="CacheOriginHeaders.Respect"/> may shorten one), so the oldest is also the first to expire, and the
/// queue serves both as the expiry sweep (no timer per entry: each store first drops the expired entries at the front)
/// and as the eviction order when the byte budget is full (the oldest, whose remaining life is the shortest, goes first).
/// The budget counts every entry still in the queue, replaced or expired ones too, so what the bound says is what the
/// cache can keep reachable.</para>
/// </remarks>
internal sealed class MicroCache
{
    // A lookup that keeps losing races for its key (entries replaced under it) gives up and goes upstream uncached.
    private const int MaxLookupAttempts = 4;

    private readonly ConcurrentDictionary<byte[], CacheItem> _items = new(CacheKeyComparer.Instance);
    private readonly ConcurrentDictionary<byte[], CacheItem>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;
    private readonly ConcurrentQueue<CachedResponse> _age = new();
    private readonly TerminatorMetrics _metrics;
    private long _bytes;
    private long _entries;

    /// <param name="log">Where the start-up line goes; null logs nothing (tests, benchmarks).</param>
    public MicroCache(CacheOptions options, TerminatorMetrics metrics, TerminatorLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Ttl, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBytes, 1);
        Ttl = options.Ttl;
        MaxBytes = options.MaxBytes;
        OriginHeaders = options.OriginHeaders;
        _metrics = metrics;
        _bySpan = _items.GetAlternateLookup<ReadOnlySpan<byte>>();
        metrics.ObserveCache(() => Bytes, () => Entries);
        if (log is not null)
        {
            CacheLog.Enabled(log.Cache, DurationParser.Format(Ttl), MaxBytes, OriginHeaders == CacheOriginHeaders.Respect ? "respected" : "ignored");
        }
    }

    public TimeSpan Ttl { get; }

    public long MaxBytes { get; }

    public CacheOriginHeaders OriginHeaders { get; }

    /// <summary>Bytes held now (entries in the age queue, with their overhead).</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Entries held now (in the age queue).</summary>
    public long Entries => Volatile.Read(ref _entries);

    /// <summary>The clock of <see cref="CachedResponse.StoredAt"/> and <see cref="CachedResponse.ExpiresAt"/>.</summary>
    public static long Now => Environment.TickCount64;

    /// <summary>
    /// Looks <paramref name="key"/> up. <see cref="CacheLookupResult.Hit"/>: <paramref name="response"/> is fresh;
    /// <see cref="CacheLookupResult.Miss"/> and <see cref="CacheLookupResult.Expired"/>: the caller leads
    /// <paramref name="fill"/> and must <see cref="Complete"/> it whatever happens; <see cref="CacheLookupResult.Coalesced"/>:
    /// another request leads <paramref name="fill"/>, wait for it.
    /// </summary>
    public CacheLookupResult Lookup(ReadOnlySpan<byte> key, out CachedResponse? response, out CacheFill? fill)
    {
        response = null;
        fill = null;
        for (int attempt = 0; attempt < MaxLookupAttempts; attempt++)
        {
            if (!_bySpan.TryGetValue(key, out CacheItem? item))
            {
                var created = new CacheFill(key.ToArray());
                if (_items.TryAdd(created.Key, created))
                {
                    _metrics.CacheMiss();
                    fill = created;
                    return CacheLookupResult.Miss;
                }

                continue; // someone else started it first
            }

            if (item is CacheFill pending)
            {
                _metrics.CacheCoalesce();
                fill = pending;
                return CacheLookupResult.Coalesced;
            }

            var stored = (CachedResponse)item;
            if (Now < stored.ExpiresAt)
            {
                _metrics.CacheHit();
                response = stored;
                return CacheLookupResult.Hit;
            }

            // Expired: take its place with a fill (the key array is the same bytes, so it is reused). The entry itself
            // stays in the age queue, counted, until the sweep reaches it.
            var refill = new CacheFill(stored.Key);
            if (_items.TryUpdate(stored.Key, refill, stored))
            {
                _metrics.CacheMiss();
                fill = refill;
                return CacheLookupResult.Expired;
            }
        }

        _metrics.CacheMiss();
        return CacheLookupResult.Busy;
    }

    /// <summary>
    /// Ends the fill the caller leads: stores <paramref name="response"/> (null: nothing storable came back) and hands it
    /// to the requests waiting on the fill. Then sweeps: expired entries leave, and the oldest ones while over budget.
    /// </summary>
    public void Complete(CacheFill fill, CachedResponse? response)
    {
        ArgumentNullException.ThrowIfNull(fill);
        if (response is null || response.Size > MaxBytes)
        {
            _items.TryRemove(new KeyValuePair<byte[], CacheItem>(fill.Key, fill));
            fill.Complete(response);
            Sweep();
            return;
        }

        if (_items.TryUpdate(fill.Key, response, fill))
        {
            Interlocked.Add(ref _bytes, response.Size);
            Interlocked.Increment(ref _entries);
            _age.Enqueue(response);
        }

        fill.Complete(response);
        Sweep();
    }

    /// <summary>Drops expired entries from the front of the age queue, then the oldest ones until within the budget.</summary>
    private void Sweep()
    {
        long now = Now;
        while (_age.TryPeek(out CachedResponse? oldest) && (oldest.ExpiresAt <= now || Volatile.Read(ref _bytes) > MaxBytes))
        {
            if (!_age.TryDequeue(out oldest))
            {
                return;
            }

            Interlocked.Add(ref _bytes, -oldest.Size);
            Interlocked.Decrement(ref _entries);
            bool removed = _items.TryRemove(new KeyValuePair<byte[], CacheItem>(oldest.Key, oldest));
            if (removed && oldest.ExpiresAt > now)
            {
                _metrics.CacheEviction(); // made room while still fresh; expiring is not an eviction
            }
        }
    }
}
