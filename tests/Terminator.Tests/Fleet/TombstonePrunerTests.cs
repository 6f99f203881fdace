using System.Security.Cryptography;
using Npgsql;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Fleet;
using Terminator.Samples.Certificates;
using Terminator.Storage;
using Terminator.Tests.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Fleet;

/// <summary>Pruning old tombstones (one node at a time) and what a node that missed pruned tombstones does.</summary>
public sealed class TombstonePrunerTests(PostgresClusterFixture fixture) : IClassFixture<PostgresClusterFixture>, IDisposable
{
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Fleet Prune CA");
    private readonly StoreKey _key = StoreKey.FromBytes(RandomNumberGenerator.GetBytes(32), "test key");
    private readonly TempDirectory _root = new("fleet-prune");

    public void Dispose()
    {
        _authority.Dispose();
        _root.Dispose();
    }

    [PostgresFact]
    public async Task Prune_DeletesOnlyTombstonesAndNodesOlderThanTheHorizon_AndOnlyOneNodeAtATime()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        string database = await cluster.CreateDatabaseAsync();
        await using PostgresCertificateStore store = await OpenStoreAsync(cluster, database);
        StoredCertificateInfo old = await store.PutAsync(CertificateTestHelpers.Entry(_authority, "old.prune.test"));
        StoredCertificateInfo recent = await store.PutAsync(CertificateTestHelpers.Entry(_authority, "recent.prune.test"));
        StoredCertificateInfo live = await store.PutAsync(CertificateTestHelpers.Entry(_authority, "live.prune.test"));
        Assert.True(await store.RemoveAsync(old.Id));
        Assert.True(await store.RemoveAsync(recent.Id));
        long oldTombstone = await ScalarAsync<long>(cluster, database, $"SELECT generation FROM certificates WHERE id = '{old.Id}'");
        await AgeAsync(cluster, database, old.Id, TimeSpan.FromDays(8));
        // A live row as old as that stays: only tombstones go.
        await AgeAsync(cluster, database, live.Id, TimeSpan.FromDays(30));
        await cluster.ExecuteAsync("""
            INSERT INTO nodes (id, host, version, started_at, last_heartbeat, applied_generation, connected) VALUES
                ('gone', 'h', 'v', now() - interval '9 days', now() - interval '8 days', 1, false),
                ('here', 'h', 'v', now() - interval '9 days', now() - interval '1 minute', 5, true)
            """, database);

        var pruner = new TombstonePruner(store.Database);
        Assert.Equal(TimeSpan.FromDays(7), pruner.Horizon);

        // Another node is pruning (holds the lock): this one skips its turn and touches nothing.
        await using (var other = new NpgsqlConnection(cluster.ConnectionString(database)))
        {
            await other.OpenAsync();
            await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({StoreSchema.PruneLock})", other))
            {
                await take.ExecuteNonQueryAsync();
            }

            Assert.False((await pruner.PruneAsync(CancellationToken.None)).Ran);
            Assert.Equal(3L, await ScalarAsync<long>(cluster, database, "SELECT count(*) FROM certificates"));
        }

        TombstonePruneResult pruned = await pruner.PruneAsync(CancellationToken.None);
        Assert.Equal(new TombstonePruneResult(Ran: true, Tombstones: 1, PrunedThrough: oldTombstone, Nodes: 1), pruned);
        Assert.Equal(0L, await ScalarAsync<long>(cluster, database, $"SELECT count(*) FROM certificates WHERE id = '{old.Id}'"));
        Assert.True(await ScalarAsync<bool>(cluster, database, $"SELECT entry IS NULL FROM certificates WHERE id = '{recent.Id}'"));
        Assert.True(await ScalarAsync<bool>(cluster, database, $"SELECT entry IS NOT NULL FROM certificates WHERE id = '{live.Id}'"));
        Assert.Equal("here", await ScalarAsync<string>(cluster, database, "SELECT string_agg(id, ',') FROM nodes"));
        Assert.Equal(oldTombstone, await ScalarAsync<long>(cluster, database, "SELECT tombstones_pruned_through FROM store_identity"));

        // Nothing left to prune: the mark stays where it was.
        Assert.Equal(new TombstonePruneResult(true, 0, oldTombstone, 0), await pruner.PruneAsync(CancellationToken.None));
    }

    [PostgresFact]
    public async Task NodeAwayPastTheHorizon_ReconcilesItsSnapshotWhole_ANodeInStepCatchesUpAsUsual()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        string database = await cluster.CreateDatabaseAsync();
        await using PostgresCertificateStore writer = await OpenStoreAsync(cluster, database);
        StoredCertificateInfo removed = await writer.PutAsync(CertificateTestHelpers.Entry(_authority, "removed.away.test"));
        await writer.PutAsync(CertificateTestHelpers.Entry(_authority, "kept.away.test"));
        string away = Path.Combine(_root.FullName, "away"), inStep = Path.Combine(_root.FullName, "in-step");

        // Node "away" takes its snapshot, then stops; node "in step" stays up and sees the removal.
        var awayMap = new CertificateMap();
        await using (InProcessFleetNode first = await InProcessFleetNode.StartAsync(away, _key, cluster.ConnectionString(database), database, awayMap, TerminatorLog.Silent))
        {
            Assert.True(awayMap.TryGet("removed.away.test", out _));
        }

        var inStepMap = new CertificateMap();
        await using (InProcessFleetNode stayed = await InProcessFleetNode.StartAsync(inStep, _key, cluster.ConnectionString(database), database, inStepMap, TerminatorLog.Silent))
        {
            // Not a propagation-time test: generous bounds for a loaded host (the follower connects, then the watcher reacts).
            Assert.True(await Eventually.TrueAsync(() => stayed.Status.Connected, TimeSpan.FromSeconds(20)));
            Assert.True(await writer.RemoveAsync(removed.Id));
            Assert.True(await Eventually.TrueAsync(() => !inStepMap.TryGet("removed.away.test", out _), TimeSpan.FromSeconds(20)));
            Assert.True(await Eventually.TrueAsync(() => stayed.Status.AppliedGeneration == 3, TimeSpan.FromSeconds(20)));
        }

        // A week later: the tombstone is pruned, and one more certificate is stored.
        await AgeAsync(cluster, database, removed.Id, TimeSpan.FromDays(8));
        Assert.Equal(1, (await new TombstonePruner(writer.Database).PruneAsync(CancellationToken.None)).Tombstones);
        await writer.PutAsync(CertificateTestHelpers.Entry(_authority, "added.away.test"));

        // The node that was away cannot learn of the removal by generation (the row is gone): it compares ids instead.
        using var logOutput = new StringWriter();
        using var log = new TerminatorLog(Microsoft.Extensions.Logging.LogLevel.Information, TextWriter.Synchronized(logOutput));
        awayMap = new CertificateMap();
        await using (InProcessFleetNode back = await InProcessFleetNode.StartAsync(away, _key, cluster.ConnectionString(database), database, awayMap, log))
        {
            Assert.Equal(1, back.Node.Follower.WholeReconciliations);
            Assert.False(awayMap.TryGet("removed.away.test", out _));
            Assert.True(awayMap.TryGet("kept.away.test", out _));
            Assert.True(awayMap.TryGet("added.away.test", out _));
            log.Flush(TimeSpan.FromSeconds(2));
            Assert.Contains("below the pruned tombstones'", logOutput.ToString(), StringComparison.Ordinal);
            Assert.Contains("(1 removed)", logOutput.ToString(), StringComparison.Ordinal);
        }

        // Its state now records the pruned generation: the next start catches up as usual. So does the node that had
        // applied the removal before it was pruned.
        inStepMap = new CertificateMap();
        await using InProcessFleetNode again = await InProcessFleetNode.StartAsync(away, _key, cluster.ConnectionString(database), database, new CertificateMap(), TerminatorLog.Silent);
        await using InProcessFleetNode inStepAgain = await InProcessFleetNode.StartAsync(inStep, _key, cluster.ConnectionString(database), database, inStepMap, TerminatorLog.Silent);
        Assert.Equal(0, again.Node.Follower.WholeReconciliations);
        Assert.Equal(0, inStepAgain.Node.Follower.WholeReconciliations);
        Assert.True(inStepMap.TryGet("added.away.test", out _));
        Assert.False(inStepMap.TryGet("removed.away.test", out _));
    }

    /// <summary>Backdates a row's updated_at with the stamping trigger off (it would make the UPDATE a new write).</summary>
    private static Task AgeAsync(PostgresCluster cluster, string database, string id, TimeSpan age) => cluster.ExecuteAsync($"""
        ALTER TABLE certificates DISABLE TRIGGER certificates_stamp;
        UPDATE certificates SET updated_at = now() - interval '{(int)age.TotalSeconds} seconds' WHERE id = '{id}';
        ALTER TABLE certificates ENABLE TRIGGER certificates_stamp;
        """, database);

    private async Task<PostgresCertificateStore> OpenStoreAsync(PostgresCluster cluster, string database)
    {
        var store = new PostgresCertificateStore(PostgresCertificateStore.CreateDataSource(cluster.ConnectionString(database)), database, _key);
        await StoreSchema.MigrateAsync(store.Database, CancellationToken.None);
        return store;
    }

    private static async Task<T> ScalarAsync<T>(PostgresCluster cluster, string database, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
