using System.Diagnostics.CodeAnalysis;
using Terminator.Diagnostics;

namespace Terminator.Domains;

/// <summary>
/// The domains Terminator obtains and renews certificates for, kept in memory (a dictionary by name plus name-ordered
/// indexes, <see cref="ManagedDomainIndex"/>) and persisted crash-safely in one folder as an append-only journal with
/// periodic compaction into a snapshot. Thread-safe; every write is durable (fsync) before it returns, and is then
/// published on <see cref="Changed"/>. One process owns the folder at a time (an exclusive lock file).
/// </summary>
/// <remarks>
/// <para>Why a journal and not one file per domain (as the certificate store does): start-up reads every file once, and
/// the store measures ~22 s for a million files from the page cache and ~70 s from disk; a million domain records are
/// ~100 MB read in one sequential pass (a snapshot, then the journal since). A change appends one ~100-byte frame and
/// fsyncs once, and concurrent writers share that fsync (group commit), where a file per domain costs a temp file, two
/// fsyncs and a rename per change. Compaction rewrites the snapshot in the background once the journal holds more records
/// than there are domains (at least <see cref="MinimumCompactionRecords"/>), so the journal replayed at start-up stays
/// shorter than the snapshot.</para>
/// <para>Folder layout: <c>lock</c>, <c>snapshot</c> (<see cref="DomainSnapshotFile"/>), <c>journal-&lt;n&gt;</c>
/// (<see cref="DomainJournal"/>); <see cref="Storage.AtomicFile"/> temp files of an interrupted write are ignored and
/// deleted. The record format is <see cref="DomainRecordFormat"/>.</para>
/// <para>Names are the normalised ones <see cref="DomainName.TryNormalize"/> returns; look-ups are exact.</para>
/// </remarks>
internal sealed partial class ManagedDomainRegistry : IAsyncDisposable
{
    /// <summary>Journals shorter than this are never compacted (small registries would otherwise rewrite their snapshot often).</summary>
    public const int MinimumCompactionRecords = 16_384;

    // Lock order: _syncGate, then _gate. _gate guards the in-memory state and appends; _syncGate serialises fsyncs and
    // journal switches, so an fsync never runs on a journal being closed, and appends go on during an fsync.
    private readonly Lock _gate = new();
    private readonly Lock _syncGate = new();
    private readonly Dictionary<string, ManagedDomain> _domains;
    private readonly ManagedDomainIndex _index;
    private readonly TerminatorLog _log;
    private readonly TimeProvider _time;
    private readonly FileStream _folderLock;
    private DomainJournal _journal;
    private long _journalRecords;
    private long _appended;
    private long _durable;
    private int _compacting;
    private Task _compaction = Task.CompletedTask;
    private bool _disposed;

    /// <summary>
    /// Raised after each committed change, on the writer's thread and outside the registry's locks (a handler may call
    /// back into the registry). Handlers must be quick and must not block; an exception from one is logged and ignored.
    /// See <see cref="ManagedDomainChange"/> about ordering.
    /// </summary>
    public event Action<ManagedDomainChange>? Changed;

    /// <summary>The folder the registry persists to.</summary>
    public string Directory { get; }

    /// <summary>What <see cref="Open"/> read.</summary>
    public ManagedDomainLoadReport LoadReport { get; private set; } = new(0, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Number of managed domains.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _domains.Count;
            }
        }
    }

    /// <summary>Number of managed domains in <paramref name="state"/> (O(1)).</summary>
    public int CountIn(ManagedDomainState state)
    {
        lock (_gate)
        {
            return _index.CountIn(state);
        }
    }

    /// <summary>Name comparisons made by the indexes so far. <remarks>Internal for testing.</remarks></summary>
    internal long IndexComparisons
    {
        get
        {
            lock (_gate)
            {
                return _index.Comparisons;
            }
        }
    }

    /// <summary>The record of <paramref name="name"/> (a normalised name), if it is managed.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out ManagedDomain? domain)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            return _domains.TryGetValue(name, out domain);
        }
    }

    /// <summary>The key types a domain added without any gets (<c>TERMINATOR_ACME_KEY_TYPE</c>); changing it does not
    /// touch domains already managed.</summary>
    public ManagedKeyTypes DefaultKeyTypes
    {
        get => _defaultKeyTypes;
        set => _defaultKeyTypes = value is ManagedKeyTypes.Ecdsa or ManagedKeyTypes.Rsa or ManagedKeyTypes.Both
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "Ecdsa, Rsa or Both.");
    }

    private ManagedKeyTypes _defaultKeyTypes = ManagedDomain.DefaultKeyTypes;

    /// <summary>
    /// Manages <paramref name="name"/> (idempotent). A new domain is <see cref="ManagedDomainState.Pending"/> with
    /// <paramref name="keyTypes"/> (default <see cref="DefaultKeyTypes"/>); a managed one is returned as it
    /// is, except that other <paramref name="keyTypes"/>, when given, replace its own.
    /// </summary>
    /// <param name="name">A host name; it is normalised (<see cref="DomainName"/>).</param>
    /// <param name="keyTypes">Ecdsa, Rsa or Both; null keeps a managed domain's setting.</param>
    /// <param name="cancellationToken">Checked before the write starts; a started write completes.</param>
    /// <exception cref="ArgumentException">The name is not valid (the message is the one-line reason).</exception>
    /// <exception cref="IOException">The change could not be made durable.</exception>
    public ValueTask<ManagedDomainAddResult> AddOrGetAsync(string name, ManagedKeyTypes? keyTypes = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!DomainName.TryNormalize(name, out string? normalized, out string? reason))
        {
            throw new ArgumentException(reason, nameof(name));
        }

        if (keyTypes is { } requested && requested is not (ManagedKeyTypes.Ecdsa or ManagedKeyTypes.Rsa or ManagedKeyTypes.Both))
        {
            throw new ArgumentOutOfRangeException(nameof(keyTypes), keyTypes, "Ecdsa, Rsa or Both.");
        }

        if (Volatile.Read(ref _shared) is { } shared)
        {
            return shared.AddOrGetAsync(normalized, keyTypes, DefaultKeyTypes, cancellationToken);
        }

        ManagedDomainAddResult result;
        long sequence;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_domains.TryGetValue(normalized, out ManagedDomain? existing))
            {
                if (keyTypes is null || keyTypes == existing.KeyTypes)
                {
                    // Nothing to write, but the record may have been appended by a writer still waiting for its fsync:
                    // "already managed" is only said once that record is durable too.
                    result = new(existing, ManagedDomainAddStatus.AlreadyManaged);
                    sequence = _appended;
                }
                else
                {
                    ManagedDomain changed = existing with { KeyTypes = keyTypes.Value, Updated = Now() };
                    sequence = AppendPutUnsynchronized(changed);
                    _domains[normalized] = changed;
                    result = new(changed, ManagedDomainAddStatus.KeyTypesChanged);
                }
            }
            else
            {
                DateTimeOffset now = Now();
                var added = new ManagedDomain { Name = normalized, KeyTypes = keyTypes ?? DefaultKeyTypes, Added = now, Updated = now };
                sequence = AppendPutUnsynchronized(added);
                _domains.Add(normalized, added);
                _index.Add(normalized, added.State);
                result = new(added, ManagedDomainAddStatus.Added);
            }
        }

        EnsureDurable(sequence);
        if (result.Status != ManagedDomainAddStatus.AlreadyManaged)
        {
            Publish(new(normalized, result.Status == ManagedDomainAddStatus.Added ? ManagedDomainChangeKind.Added : ManagedDomainChangeKind.Updated));
        }

        return ValueTask.FromResult(result);
    }

    /// <summary>
    /// Replaces the record of <paramref name="name"/> with <paramref name="change"/>(current), atomically with respect to
    /// every other change (it runs under the registry's lock: keep it a quick, pure function of the record). The registry
    /// sets <see cref="ManagedDomain.Updated"/>, keeps <see cref="ManagedDomain.Added"/>, and stores times to the
    /// millisecond. Returns the stored record, or null when the domain is not managed (removed meanwhile: an update never
    /// brings a domain back).
    /// </summary>
    /// <exception cref="ArgumentException">The change renames the domain or holds a value that cannot be stored.</exception>
    /// <exception cref="IOException">The change could not be made durable.</exception>
    public ValueTask<ManagedDomain?> UpdateAsync(string name, Func<ManagedDomain, ManagedDomain> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(change);
        cancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref _shared) is { } shared)
        {
            return shared.UpdateAsync(name, change, cancellationToken);
        }

        ManagedDomain updated;
        long sequence;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_domains.TryGetValue(name, out ManagedDomain? current))
            {
                return ValueTask.FromResult<ManagedDomain?>(null);
            }

            ManagedDomain proposed = change(current) ?? throw new ArgumentException("The change returned no record.", nameof(change));
            if (!string.Equals(proposed.Name, current.Name, StringComparison.Ordinal))
            {
                throw new ArgumentException($"An update cannot rename '{current.Name}' to '{proposed.Name}'.", nameof(change));
            }

            updated = (proposed with { Added = current.Added, Updated = current.Updated }).ToStorable();
            if (updated.Equals(current))
            {
                return ValueTask.FromResult<ManagedDomain?>(current); // nothing changed: no write, no event
            }

            updated = updated with { Updated = Now() };
            sequence = AppendPutUnsynchronized(updated);
            _domains[name] = updated;
            _index.Move(name, current.State, updated.State);
        }

        EnsureDurable(sequence);
        Publish(new(name, ManagedDomainChangeKind.Updated));
        return ValueTask.FromResult<ManagedDomain?>(updated);
    }

    /// <summary>Stops managing <paramref name="name"/>; returns its last record, or null when it was not managed.</summary>
    /// <exception cref="IOException">The removal could not be made durable.</exception>
    public ValueTask<ManagedDomain?> RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref _shared) is { } shared)
        {
            return shared.RemoveAsync(name, cancellationToken);
        }

        ManagedDomain? removed;
        long sequence;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_domains.TryGetValue(name, out removed))
            {
                return ValueTask.FromResult<ManagedDomain?>(null);
            }

            sequence = AppendUnsynchronized(static (domain, frame) => DomainRecordFormat.WriteRemove(domain.Name, frame), removed);
            _domains.Remove(name);
            _index.Remove(name, removed.State);
        }

        EnsureDurable(sequence);
        Publish(new(name, ManagedDomainChangeKind.Removed));
        return ValueTask.FromResult<ManagedDomain?>(removed);
    }

    /// <summary>
    /// One page of managed domains in name order (ordinal), optionally only those in <paramref name="state"/>, starting
    /// after <paramref name="after"/>. Costs O(log n + <paramref name="limit"/>): the indexes are descended to the cursor
    /// and walked for one page, never scanned.
    /// </summary>
    public ManagedDomainPage List(ManagedDomainState? state, ManagedDomainCursor? after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var names = new List<string>(Math.Min(limit, 1024) + 1);
        ManagedDomain[] items;
        lock (_gate)
        {
            // One more than asked: whether a next page exists is known without a second descent.
            _index.CopyPage(state, after?.After, limit + 1, names);
            items = new ManagedDomain[Math.Min(names.Count, limit)];
            for (int i = 0; i < items.Length; i++)
            {
                items[i] = _domains[names[i]];
            }
        }

        ManagedDomainCursor? next = names.Count > limit ? ManagedDomainCursor.AfterName(items[^1].Name) : null;
        return new ManagedDomainPage(items, next);
    }

    private DateTimeOffset Now() => ManagedDomain.Truncate(_time.GetUtcNow());
}
