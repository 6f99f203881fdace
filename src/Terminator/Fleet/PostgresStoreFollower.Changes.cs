using System.Globalization;
using Npgsql;
using Terminator.Storage;

namespace Terminator.Fleet;

/// <summary>Applying changes: one notified row, every row above a generation, and what a row does to the snapshot.</summary>
internal sealed partial class PostgresStoreFollower
{
    private async Task ApplyNotifiedAsync(NpgsqlConnection connection, string payload, CancellationToken cancellationToken)
    {
        int space = payload.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !long.TryParse(payload.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out long generation))
        {
            return; // not ours: the reconciliation will see any real change
        }

        if (generation <= Generation)
        {
            return; // applied already (by catch-up, or a fetch that found a later version)
        }

        string id = payload[(space + 1)..];
        if (await PostgresCertificateStore.FetchAsync(connection, id, cancellationToken).ConfigureAwait(false) is { } row)
        {
            Apply(row, "notified");
        }

        // The row fetched may be newer than this notification; its own notification follows and finds it applied.
        Interlocked.Exchange(ref _generation, generation);
        _snapshot.WriteState(_storeId, generation);
    }

    /// <summary>Applies every row above the current generation, in batches; returns how many.</summary>
    private async Task<int> CatchUpAsync(NpgsqlConnection connection, HashSet<string>? live, CancellationToken cancellationToken)
    {
        int applied = 0;
        while (true)
        {
            List<StoreRow> rows = await PostgresCertificateStore.ChangesAfterAsync(connection, Generation, BatchSize, cancellationToken).ConfigureAwait(false);
            foreach (StoreRow row in rows)
            {
                Apply(row, "caught up");
                if (live is not null && !row.IsRemoved)
                {
                    live.Add(row.Id);
                }

                Interlocked.Exchange(ref _generation, row.Generation);
            }

            applied += rows.Count;
            // Not during a whole-store load: until its end has deleted the entries the database does not hold, the folder
            // is no snapshot of this store, and a state file saying so would let an interrupted load resume as if it were.
            if (rows.Count > 0 && live is null)
            {
                _snapshot.WriteState(_storeId, Generation);
            }

            if (rows.Count < BatchSize)
            {
                return applied;
            }
        }
    }

    /// <summary>
    /// After a catch-up from <paramref name="appliedBefore"/>: when tombstones above that generation were pruned meanwhile
    /// (the node was away longer than the pruning horizon), the removals they carried were never seen, so the snapshot's
    /// ids are compared with the live ids and the ones gone are deleted. Read after the catch-up, so a prune that ran
    /// during it is seen too (at worst one needless comparison).
    /// </summary>
    private async Task ReconcileIfPrunedAsync(NpgsqlConnection connection, long appliedBefore, CancellationToken cancellationToken)
    {
        long prunedThrough = await PostgresCertificateStore.ReadPrunedThroughAsync(connection, cancellationToken).ConfigureAwait(false);
        if (prunedThrough <= appliedBefore)
        {
            return;
        }

        HashSet<string> live = await PostgresCertificateStore.LiveIdsAsync(connection, cancellationToken).ConfigureAwait(false);
        int removed = 0;
        foreach (string id in _snapshot.ListIds())
        {
            if (!live.Contains(id) && _snapshot.Remove(id))
            {
                removed++;
            }
        }

        // Every change up to prunedThrough is now reflected: the pruned ones by this comparison, the rest by the catch-up
        // (which read everything above appliedBefore). Recording it keeps the next reconnection from comparing again when
        // the pruned tombstone was the newest change in the store.
        if (prunedThrough > Generation)
        {
            Interlocked.Exchange(ref _generation, prunedThrough);
        }

        _snapshot.WriteState(_storeId, Generation);
        Interlocked.Increment(ref _wholeReconciliations);
        FleetLog.ReconciledWhole(_log, appliedBefore, prunedThrough, removed);
    }

    /// <summary>Writes an authenticated row to the snapshot, deletes a tombstone's entry, and refuses (and stops
    /// serving) a row that does not authenticate, as the directory store does with a tampered file.</summary>
    private void Apply(StoreRow row, string how)
    {
        if (!CertificateStoreId.IsValid(row.Id))
        {
            Interlocked.Increment(ref _refused);
            FleetLog.RowRefused(_log, _store.RowLocation(row.Id), row.Generation, "the id is not a store id");
            return;
        }

        try
        {
            if (row.IsRemoved)
            {
                if (_snapshot.Remove(row.Id))
                {
                    FleetLog.ChangeApplied(_log, row.Id, row.Generation, $"{how}, removed");
                }
            }
            else if (_store.TryAuthenticate(row, readChain: false, out _, out CertificateStoreProblem? problem))
            {
                if (_snapshot.Write(row.Id, row.Entry!))
                {
                    FleetLog.ChangeApplied(_log, row.Id, row.Generation, how);
                }
            }
            else
            {
                Interlocked.Increment(ref _refused);
                FleetLog.RowRefused(_log, problem.Location, row.Generation, problem.Reason);
                _snapshot.Remove(row.Id);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The snapshot folder failed us (disk full): the periodic reconciliation cannot retry a generation already
            // passed, but the next change to this id, or a restart (whole-store sync), will.
            FleetLog.ApplyFailed(_log, $"{row.Id}: {ex.Message}");
        }
    }
}
