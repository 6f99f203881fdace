using Npgsql;

namespace Terminator.Fleet;

/// <summary>
/// Deletes tombstones (rows whose entry is NULL, kept so nodes following by generation see removals) once they are older
/// than <see cref="Horizon"/>, and rows of nodes whose last heartbeat is older than that. One node prunes at a time: each
/// batch is a transaction that first takes <see cref="StoreSchema.PruneLock"/> with <c>pg_try_advisory_xact_lock</c>, and
/// a node that finds it taken skips its turn. The highest generation pruned is recorded in
/// <c>store_identity.tombstones_pruned_through</c> in the same transaction, so a node whose applied generation is below it
/// (it was away longer than the horizon and may have missed a removal) reconciles its snapshot against the live ids
/// instead of catching up by generation (<see cref="PostgresStoreFollower"/>).
/// </summary>
internal sealed class TombstonePruner
{
    /// <summary>How old a tombstone must be to go: far longer than any outage a node should ride out on its snapshot
    /// (one that was away longer pays one scan of the live ids, nothing worse).</summary>
    public static readonly TimeSpan DefaultHorizon = TimeSpan.FromDays(7);

    /// <summary>Rows per transaction, so pruning a large backlog never holds one long transaction.</summary>
    private const int BatchSize = 10_000;

    private readonly NpgsqlDataSource _database;

    public TombstonePruner(NpgsqlDataSource database, TimeSpan? horizon = null)
    {
        _database = database;
        Horizon = horizon ?? DefaultHorizon;
    }

    public TimeSpan Horizon { get; }

    /// <summary>Prunes old tombstones and long-gone nodes; returns what it did, or <see cref="TombstonePruneResult.Skipped"/>
    /// when another node holds the pruning lock.</summary>
    public async Task<TombstonePruneResult> PruneAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        int tombstones = 0;
        long through = 0;
        int nodes = 0;
        while (true)
        {
            await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var locked = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({StoreSchema.PruneLock})", connection, transaction))
            {
                if (!(bool)(await locked.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                {
                    return TombstonePruneResult.Skipped;
                }
            }

            if (tombstones == 0)
            {
                await using var gone = new NpgsqlCommand("DELETE FROM nodes WHERE last_heartbeat < now() - $1", connection, transaction);
                gone.Parameters.AddWithValue(Horizon);
                nodes = await gone.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // The outer DELETE repeats "entry IS NULL AND updated_at < ...": under READ COMMITTED a row re-added since the
            // inner SELECT is re-checked against them and skipped, never deleted (the tombstone trigger would turn a
            // deleted live row into a removal).
            int count;
            long max;
            await using (var prune = new NpgsqlCommand("""
                WITH pruned AS (
                    DELETE FROM certificates
                    WHERE entry IS NULL AND updated_at < now() - $1
                      AND id IN (SELECT id FROM certificates WHERE entry IS NULL AND updated_at < now() - $1 ORDER BY updated_at LIMIT $2)
                    RETURNING generation)
                UPDATE store_identity SET tombstones_pruned_through = greatest(tombstones_pruned_through, (SELECT coalesce(max(generation), 0) FROM pruned))
                RETURNING (SELECT count(*) FROM pruned), tombstones_pruned_through
                """, connection, transaction))
            {
                prune.Parameters.AddWithValue(Horizon);
                prune.Parameters.AddWithValue(BatchSize);
                await using NpgsqlDataReader reader = await prune.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                count = (int)reader.GetInt64(0);
                max = reader.GetInt64(1);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            tombstones += count;
            through = max;
            if (count < BatchSize)
            {
                return new TombstonePruneResult(Ran: true, tombstones, through, nodes);
            }
        }
    }
}
