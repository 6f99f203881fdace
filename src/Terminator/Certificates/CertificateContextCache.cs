using Terminator.Tls;

namespace Terminator.Certificates;

/// <summary>
/// Bounds how many <see cref="CertificateEntry"/> hold a materialised TLS state (leaf + key, chain context, server
/// options) at once. Replacement is CLOCK (second chance): a cached hit only sets the entry's reference bit (one
/// read, rarely a write, no lock); when a new entry needs a slot the hand sweeps the slots, clearing set bits and
/// evicting the first entry whose bit is clear. Domains that see handshakes keep their bit set and survive a sweep;
/// a burst of one-off handshakes to cold domains recycles the slots of entries admitted without a second hit
/// (newcomers start with a clear bit), so a scan cannot flush the hot set.
/// </summary>
/// <remarks>
/// Admission runs after a materialisation (file read, key import, ~1 ms of context building), so one lock around the
/// slot array costs nothing measurable there; the hit path never touches it. An evicted entry's options and context are
/// not disposed (an in-flight handshake may still hold them; the garbage collector reclaims them after it); only its
/// <see cref="SslContextPin"/> (a rent on the runtime's cached SSL_CTX) is released. Entries whose certificate leaves the map (renewed,
/// removed) are evicted at once (<see cref="Remove"/>) rather than when the hand comes round.
/// <para>One instance per <see cref="CertificateMap"/> (sized by <c>TERMINATOR_CERT_CACHE_SIZE</c>): an entry joins its
/// map's cache when it is added to the map (<see cref="CertificateEntry.AttachCache"/>). An entry in no map (a
/// certificate loaded for the CLI, the default certificate) keeps its TLS state for its lifetime.</para>
/// </remarks>
internal sealed class CertificateContextCache
{
    private readonly Lock _gate = new();
    private CertificateEntry?[] _slots;
    private int _used;
    private int _hand;
    private int _count;
    private long _admitted;
    private long _evicted;
    private long _loads;
    private long _loadFailures;

    /// <summary>Creates an empty cache holding at most <paramref name="capacity"/> materialised entries.</summary>
    /// <param name="capacity">Maximum number of materialised entries (<c>TERMINATOR_CERT_CACHE_SIZE</c>).</param>
    /// <param name="pinSslContexts">Whether each materialised entry pins its SSL_CTX (<see cref="SslContextPin"/>;
    /// <c>TERMINATOR_SSL_CTX_PIN</c>).</param>
    public CertificateContextCache(int capacity, bool pinSslContexts = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _slots = new CertificateEntry?[capacity];
        PinsSslContexts = pinSslContexts;
    }

    /// <summary>True when this cache's entries pin their SSL_CTX while materialised.</summary>
    public bool PinsSslContexts { get; }

    /// <summary>Maximum number of materialised entries.</summary>
    public int Capacity
    {
        get
        {
            lock (_gate)
            {
                return _slots.Length;
            }
        }
    }

    /// <summary>Materialised entries currently held.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Entries admitted since start (each one a materialisation).</summary>
    public long Admitted => Interlocked.Read(ref _admitted);

    /// <summary>Entries evicted since start.</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>Materialisations of this cache's entries that completed (each one a key import and context build).</summary>
    public long Loads => Interlocked.Read(ref _loads);

    /// <summary>Materialisations of this cache's entries that failed (material gone or tampered with since indexed).</summary>
    public long LoadFailures => Interlocked.Read(ref _loadFailures);

    /// <summary>The SSL_CTX pins of this cache's entries (<see cref="SslContextPin"/>).</summary>
    public SslContextPinCounters Pins { get; } = new();

    /// <summary>Counts one materialisation of an entry of this cache (<see cref="CertificateEntry"/>).</summary>
    internal void LoadEnded(bool succeeded) => Interlocked.Increment(ref succeeded ? ref _loads : ref _loadFailures);

    /// <summary>Takes a slot for a freshly materialised entry, evicting another when full.</summary>
    internal void Admit(CertificateEntry entry)
    {
        lock (_gate)
        {
            if (entry.CacheSlot >= 0 && ReferenceEquals(_slots[entry.CacheSlot], entry))
            {
                return;
            }

            int slot = _used < _slots.Length ? _used++ : FindVictimUnsynchronized();
            _slots[slot] = entry;
            entry.CacheSlot = slot;
            Volatile.Write(ref _count, _count + 1);
            _admitted++;
        }
    }

    /// <summary>Advances the hand to the first slot whose entry has no reference bit, giving every set bit a second
    /// chance on the way. Terminates within two sweeps: the first clears every bit it passes.</summary>
    private int FindVictimUnsynchronized()
    {
        while (true)
        {
            int slot = _hand;
            _hand = slot + 1 == _slots.Length ? 0 : slot + 1;
            CertificateEntry? candidate = _slots[slot];
            if (candidate is null)
            {
                return slot;
            }

            if (!candidate.TryClearReferenced())
            {
                EvictUnsynchronized(candidate);
                return slot;
            }
        }
    }

    /// <summary>Evicts <paramref name="entry"/> if it holds a slot (its certificate left the map: renewed or removed).</summary>
    internal void Remove(CertificateEntry entry)
    {
        lock (_gate)
        {
            if (entry.CacheSlot >= 0 && ReferenceEquals(_slots[entry.CacheSlot], entry))
            {
                EvictUnsynchronized(entry);
            }
        }
    }

    private void EvictUnsynchronized(CertificateEntry entry)
    {
        _slots[entry.CacheSlot] = null;
        entry.CacheSlot = -1;
        entry.Evict();
        Volatile.Write(ref _count, _count - 1);
        _evicted++;
    }
}
