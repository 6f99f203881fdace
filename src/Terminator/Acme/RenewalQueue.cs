namespace Terminator.Acme;

/// <summary>
/// When each managed domain next needs work (first issue, renewal, retry after a failure), as a min-heap keyed by
/// time: scheduling, rescheduling and taking the earliest due domain are O(log n), so a million domains cost nothing
/// per tick (a scan over every domain per tick would be O(n) each time). A reschedule leaves the old heap node behind
/// and bumps the domain's version; stale nodes are skipped when they surface (lazy deletion). Thread-safe.
/// </summary>
internal sealed class RenewalQueue
{
    private readonly Lock _gate = new();
    private readonly PriorityQueue<(string Name, long Version), DateTimeOffset> _heap = new();
    private readonly Dictionary<string, (long Version, DateTimeOffset Due)> _current = new(StringComparer.Ordinal);
    private long _nextVersion;

    /// <summary>Domains scheduled.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _current.Count;
            }
        }
    }

    /// <summary>Schedules (or moves) <paramref name="name"/> to <paramref name="due"/>.</summary>
    public void Schedule(string name, DateTimeOffset due)
    {
        lock (_gate)
        {
            long version = ++_nextVersion;
            _current[name] = (version, due);
            _heap.Enqueue((name, version), due);
            CompactUnsynchronized();
        }
    }

    /// <summary>Forgets <paramref name="name"/> (its heap node becomes stale).</summary>
    public void Remove(string name)
    {
        lock (_gate)
        {
            _current.Remove(name);
        }
    }

    /// <summary>When <paramref name="name"/> is due, if scheduled.</summary>
    public DateTimeOffset? DueOf(string name)
    {
        lock (_gate)
        {
            return _current.TryGetValue(name, out var entry) ? entry.Due : null;
        }
    }

    /// <summary>The earliest due time, or null when nothing is scheduled.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_gate)
            {
                return PeekUnsynchronized(out _, out DateTimeOffset due) ? due : null;
            }
        }
    }

    /// <summary>Takes the earliest domain due at or before <paramref name="now"/>; it is no longer scheduled until
    /// <see cref="Schedule"/> is called for it again.</summary>
    public bool TryTakeDue(DateTimeOffset now, out string name)
    {
        lock (_gate)
        {
            if (PeekUnsynchronized(out name, out DateTimeOffset due) && due <= now)
            {
                _heap.Dequeue();
                _current.Remove(name);
                return true;
            }

            name = string.Empty;
            return false;
        }
    }

    private bool PeekUnsynchronized(out string name, out DateTimeOffset due)
    {
        while (_heap.TryPeek(out (string Name, long Version) node, out due))
        {
            if (_current.TryGetValue(node.Name, out var entry) && entry.Version == node.Version)
            {
                name = node.Name;
                return true;
            }

            _heap.Dequeue(); // stale: rescheduled or removed since
        }

        name = string.Empty;
        return false;
    }

    /// <summary>Rebuilds the heap when stale nodes outnumber live ones, so reschedules cannot grow it without bound.</summary>
    private void CompactUnsynchronized()
    {
        if (_heap.Count < 1024 || _heap.Count < 2 * _current.Count)
        {
            return;
        }

        _heap.Clear();
        foreach ((string name, (long version, DateTimeOffset due)) in _current)
        {
            _heap.Enqueue((name, version), due);
        }
    }
}
