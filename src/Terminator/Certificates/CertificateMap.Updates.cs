using System.Collections.Concurrent;

namespace Terminator.Certificates;

/// <summary>The write side: per-name compare-and-swap of immutable <see cref="CertificateChoice"/> values.</summary>
internal sealed partial class CertificateMap
{
    /// <summary>
    /// Adds <paramref name="entry"/> as a candidate for every one of its names, replacing a candidate with the same
    /// <see cref="CertificateEntry.Source"/> (a reloaded file or store entry supersedes its previous version). Each name
    /// is swapped atomically, so a reader never finds a name missing while its certificate is being replaced. Which
    /// candidate is served is decided per handshake (class remarks), so the order of <see cref="Set"/> calls does not
    /// matter.
    /// </summary>
    public void Set(CertificateEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_ocspStapling)
        {
            entry.EnableOcspStapling();
        }

        entry.AttachCache(ContextCache);
        foreach (var name in entry.Names)
        {
            Add(name, entry);
        }
    }

    /// <summary>
    /// Sizes an empty map for <paramref name="names"/> names before its first bulk load. Grown by doubling, the table
    /// re-allocated every node at each step: filling a million names took 0.6-0.7 s and 115 MiB of allocations on one
    /// core, against 0.28 s and 56 MiB presized (2026-12-05, a console probe of the dictionary alone). The caller
    /// guarantees that nothing else writes to the map meanwhile (an update made by another thread during the swap would
    /// be lost): <see cref="CertificateDirectoryWatcher"/> calls it only for its initial load, before it starts
    /// watching, which the daemon runs before it listens and before any other source loads. Does nothing for a map that
    /// holds a name, or for a small load.
    /// </summary>
    internal void Reserve(int names)
    {
        if (names < 4096 || !_entries.IsEmpty)
        {
            return;
        }

        // A quarter over: the dictionary grows when one lock's share of the nodes passes its share of the buckets.
        var entries = new ConcurrentDictionary<string, CertificateChoice>(Environment.ProcessorCount, names + (names / 4), StringComparer.Ordinal);
        _lookup = entries.GetAlternateLookup<ReadOnlySpan<char>>();
        _entries = entries;
    }

    /// <summary>Points one lower-case name (exact, or "*.suffix") at a prepared choice.</summary>
    /// <remarks>Internal for benchmarks: fills the map with a million names without a million certificates.</remarks>
    internal void SetName(string name, CertificateChoice choice) => _entries[name] = choice;

    /// <summary>The candidates held for one lower-case name, newest first (empty when unknown).</summary>
    /// <remarks>Internal for testing.</remarks>
    internal CertificateEntry[] CandidatesOf(string name)
    {
        if (!_entries.TryGetValue(name, out CertificateChoice choice))
        {
            return [];
        }

        var entries = new CertificateEntry[choice.Count];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = choice[i];
        }

        return entries;
    }

    /// <summary>Removes <paramref name="entry"/> from each of its names (compare-and-swap per name: candidates added by
    /// others meanwhile stay); a name left with no candidate is removed.</summary>
    public void Remove(CertificateEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        foreach (var name in entry.Names)
        {
            RemoveFrom(name, entry);
        }
    }

    // Compare-and-swap loops: TryUpdate/TryRemove(pair) succeed only if the name still holds the choice we read (choices
    // compare by the reference they hold), so two writers racing on one name retry instead of overwriting each other.
    private void Add(string name, CertificateEntry candidate)
    {
        while (true)
        {
            if (_entries.TryGetValue(name, out CertificateChoice current))
            {
                CertificateChoice next = current.With(candidate);
                if (next == current)
                {
                    return;
                }

                if (_entries.TryUpdate(name, next, current))
                {
                    ReleaseSuperseded(current, next);
                    return;
                }
            }
            else if (_entries.TryAdd(name, CertificateChoice.Create(candidate)))
            {
                return;
            }
        }
    }

    private void RemoveFrom(string name, CertificateEntry entry)
    {
        while (_entries.TryGetValue(name, out CertificateChoice current))
        {
            CertificateChoice next = current.Without(entry);
            if (next == current)
            {
                return;
            }

            bool swapped = next.IsEmpty
                ? _entries.TryRemove(new KeyValuePair<string, CertificateChoice>(name, current))
                : _entries.TryUpdate(name, next, current);
            if (swapped)
            {
                entry.ReleaseMaterialization();
                return;
            }
        }
    }

    /// <summary>
    /// Frees the TLS state (key, context, SSL_CTX pin) of candidates a swap dropped: a renewed or removed certificate
    /// would otherwise keep its slot in the <see cref="CertificateContextCache"/> until the CLOCK hand came round, which
    /// on a node with fewer names than the cache's capacity is never. Harmless if the entry still serves another name
    /// (a renewal that changed the SANs): it loads again on its next handshake.
    /// </summary>
    private static void ReleaseSuperseded(CertificateChoice before, CertificateChoice after)
    {
        for (int i = 0; i < before.Count; i++)
        {
            if (!after.Contains(before[i]))
            {
                before[i].ReleaseMaterialization();
            }
        }
    }
}
