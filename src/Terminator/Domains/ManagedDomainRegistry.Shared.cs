using System.Diagnostics.CodeAnalysis;

namespace Terminator.Domains;

/// <summary>
/// A fleet node's registry: a local copy of the shared registry. Writes go to the shared registry first
/// (<see cref="ISharedManagedDomains"/>), which then applies the shared record here; changes other nodes make are applied
/// here by the same component as they arrive. The copy is what every read is served from, and what the node starts from
/// when the database is down.
/// </summary>
internal sealed partial class ManagedDomainRegistry
{
    private ISharedManagedDomains? _shared;

    /// <summary>True once writes go to a shared registry (a fleet node).</summary>
    public bool IsShared => Volatile.Read(ref _shared) is not null;

    /// <summary>Sends every write from now on to <paramref name="shared"/> (once, before the registry is used).</summary>
    public void AttachShared(ISharedManagedDomains shared)
    {
        ArgumentNullException.ThrowIfNull(shared);
        if (Interlocked.CompareExchange(ref _shared, shared, null) is not null)
        {
            throw new InvalidOperationException("The registry is already attached to a shared registry.");
        }
    }

    /// <summary>
    /// The current record of <paramref name="name"/>: from the shared registry when there is one (which also brings the
    /// local copy in step), else the local record.
    /// </summary>
    /// <exception cref="IOException">The shared registry could not be reached.</exception>
    public ValueTask<ManagedDomain?> RefreshAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Volatile.Read(ref _shared) is { } shared)
        {
            return shared.RefreshAsync(name, cancellationToken);
        }

        return ValueTask.FromResult(TryGet(name, out ManagedDomain? domain) ? domain : null);
    }

    /// <summary>
    /// Makes the local record of <paramref name="record"/>'s name exactly <paramref name="record"/> (the shared one:
    /// its <see cref="ManagedDomain.Added"/> and <see cref="ManagedDomain.Updated"/> are kept as they are), durably, and
    /// publishes the change. Returns false when the local record was already equal (nothing written, nothing published).
    /// Only the shared registry's component calls this.
    /// </summary>
    /// <exception cref="IOException">The change could not be made durable.</exception>
    public bool ApplyShared(ManagedDomain record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ManagedDomain stored = record.ToStorable();
        ManagedDomainChangeKind kind;
        long sequence;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_domains.TryGetValue(stored.Name, out ManagedDomain? current))
            {
                if (current.Equals(stored))
                {
                    return false;
                }

                sequence = AppendPutUnsynchronized(stored);
                _domains[stored.Name] = stored;
                _index.Move(stored.Name, current.State, stored.State);
                kind = ManagedDomainChangeKind.Updated;
            }
            else
            {
                sequence = AppendPutUnsynchronized(stored);
                _domains.Add(stored.Name, stored);
                _index.Add(stored.Name, stored.State);
                kind = ManagedDomainChangeKind.Added;
            }
        }

        EnsureDurable(sequence);
        Publish(new(stored.Name, kind));
        return true;
    }

    /// <summary>Removes <paramref name="name"/> from the local copy (the shared registry removed it); false when it was
    /// not there.</summary>
    /// <exception cref="IOException">The removal could not be made durable.</exception>
    public bool ApplySharedRemoval(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        long sequence;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_domains.TryGetValue(name, out ManagedDomain? removed))
            {
                return false;
            }

            sequence = AppendUnsynchronized(static (domain, frame) => DomainRecordFormat.WriteRemove(domain.Name, frame), removed);
            _domains.Remove(name);
            _index.Remove(name, removed.State);
        }

        EnsureDurable(sequence);
        Publish(new(name, ManagedDomainChangeKind.Removed));
        return true;
    }

    /// <summary>Every local name (start-up reconciliation with the shared registry; not a hot path).</summary>
    public IReadOnlyList<string> SnapshotNames()
    {
        lock (_gate)
        {
            return [.. _domains.Keys];
        }
    }

    /// <summary>The update rules both the local and the shared registry apply: <paramref name="change"/> of
    /// <paramref name="current"/>, with the name and <see cref="ManagedDomain.Added"/> kept, or null when nothing
    /// changed.</summary>
    /// <exception cref="ArgumentException">The change renames the domain or holds a value that cannot be stored.</exception>
    internal static bool TryChange(ManagedDomain current, Func<ManagedDomain, ManagedDomain> change, DateTimeOffset now, [NotNullWhen(true)] out ManagedDomain? updated)
    {
        ManagedDomain proposed = change(current) ?? throw new ArgumentException("The change returned no record.", nameof(change));
        if (!string.Equals(proposed.Name, current.Name, StringComparison.Ordinal))
        {
            throw new ArgumentException($"An update cannot rename '{current.Name}' to '{proposed.Name}'.", nameof(change));
        }

        updated = (proposed with { Added = current.Added, Updated = current.Updated }).ToStorable();
        if (updated.Equals(current))
        {
            updated = null;
            return false;
        }

        updated = updated with { Updated = ManagedDomain.Truncate(now) };
        return true;
    }
}
