namespace Terminator.Domains;

/// <summary>
/// The registry's name-ordered indexes: every name, and the names in each state, as red-black trees
/// (<see cref="SortedSet{T}"/>), so a page of a listing costs O(log n + page) — a descent to the cursor, then an
/// in-order walk of the page — and an add, a removal or a state change O(log n), whatever the number of domains. Not
/// thread-safe: the registry holds its lock around every call.
/// </summary>
/// <remarks>
/// Two tree nodes per domain (~100 bytes) on top of the records; a sorted array would halve that, but would make every
/// add and removal O(n) — a million-element shift per PUT.
/// </remarks>
internal sealed class ManagedDomainIndex
{
    // Higher than every normalised name (those are [a-z0-9.-]): the upper bound of a view that runs to the end.
    private const string AfterEveryName = "~";

    private readonly CountingOrdinalComparer _comparer = new();
    private readonly SortedSet<string> _all;
    private readonly SortedSet<string>[] _byState;

    /// <summary>Builds the index over <paramref name="domains"/> in O(n log n) (one sort, then balanced trees built bottom-up).</summary>
    public ManagedDomainIndex(IReadOnlyCollection<ManagedDomain> domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        var names = new string[domains.Count];
        var states = new List<string>[Enum.GetValues<ManagedDomainState>().Length];
        for (int s = 0; s < states.Length; s++)
        {
            states[s] = [];
        }

        int i = 0;
        foreach (ManagedDomain domain in domains)
        {
            names[i++] = domain.Name;
            states[(int)domain.State].Add(domain.Name);
        }

        // SortedSet's constructor sorts a copy and builds the tree from the sorted array: no rebalancing per insert.
        _all = new SortedSet<string>(names, _comparer);
        _byState = new SortedSet<string>[states.Length];
        for (int s = 0; s < states.Length; s++)
        {
            _byState[s] = new SortedSet<string>(states[s], _comparer);
        }
    }

    /// <summary>
    /// Name comparisons made since the index was built: the work every operation does, counted rather than timed, so a test
    /// can check a page costs O(log n + page) on any machine.
    /// </summary>
    /// <remarks>Internal for testing.</remarks>
    internal long Comparisons => _comparer.Count;

    public int Count => _all.Count;

    public int CountIn(ManagedDomainState state) => _byState[(int)state].Count;

    public void Add(string name, ManagedDomainState state)
    {
        _all.Add(name);
        _byState[(int)state].Add(name);
    }

    public void Remove(string name, ManagedDomainState state)
    {
        _all.Remove(name);
        _byState[(int)state].Remove(name);
    }

    public void Move(string name, ManagedDomainState from, ManagedDomainState to)
    {
        if (from != to)
        {
            _byState[(int)from].Remove(name);
            _byState[(int)to].Add(name);
        }
    }

    /// <summary>Appends to <paramref name="names"/> up to <paramref name="count"/> names after <paramref name="after"/> (all when null), in order.</summary>
    public void CopyPage(ManagedDomainState? state, string? after, int count, List<string> names)
    {
        SortedSet<string> set = state is { } s ? _byState[(int)s] : _all;
        if (set.Count == 0 || count <= 0)
        {
            return;
        }

        // A view is a window on the tree, not a copy: creating it descends to the bounds, and enumerating it walks only
        // the nodes inside them (the count is computed lazily, so it is not walked either). The view includes its lower
        // bound, so the cursor's own name, when still present, is skipped.
        IEnumerable<string> range = after is null ? set : set.GetViewBetween(after, AfterEveryName);
        bool first = after is not null;
        foreach (string name in range)
        {
            if (first)
            {
                first = false;
                if (_comparer.Compare(name, after) == 0)
                {
                    continue;
                }
            }

            names.Add(name);
            if (names.Count == count)
            {
                return;
            }
        }
    }

    private sealed class CountingOrdinalComparer : IComparer<string>
    {
        private long _count;

        public long Count => Volatile.Read(ref _count);

        public int Compare(string? x, string? y)
        {
            // Not interlocked: callers hold the registry's lock; readers of the count are tests.
            _count++;
            return string.CompareOrdinal(x, y);
        }
    }
}
