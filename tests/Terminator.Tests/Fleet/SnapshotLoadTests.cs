using System.Security.Cryptography;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Fleet;
using Terminator.Samples.Certificates;
using Terminator.Storage;
using Terminator.Tests.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Fleet;

/// <summary>A new node's first load of the shared store: every row written into its snapshot with its index record
/// (so the daemon's scan reads no entry file), and a load that stops half-way never passing for a snapshot.</summary>
public sealed class SnapshotLoadTests(PostgresClusterFixture fixture) : IClassFixture<PostgresClusterFixture>, IDisposable
{
    // More than one of the follower's batches (1,000 rows), so the prefetch of the next batch and the end of a batch are
    // both exercised.
    private const int Rows = 1_050;

    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Snapshot Load CA");
    private readonly StoreKey _key = StoreKey.FromBytes(RandomNumberGenerator.GetBytes(32), "test key");
    private readonly TempDirectory _root = new("snapshot-load");

    public void Dispose()
    {
        _authority.Dispose();
        _key.Dispose();
        _root.Dispose();
    }

    [PostgresFact]
    public async Task NewNode_LoadsEveryRow_WithItsIndexRecord_SoTheScanReadsNoEntryFile()
    {
        (PostgresCluster cluster, string database) = await FillAsync();

        var fleet = new FleetOptions { Store = StoreKind.Postgres, ConnectionString = cluster.ConnectionString(database), DatabaseDescription = database };
        (PostgresStoreNode? node, string? fatal) = await PostgresStoreNode.OpenAsync(fleet, _root.FullName, _key, TerminatorLog.Silent);
        Assert.True(node is not null, fatal);
        await using (node)
        {
            DirectoryCertificateStore snapshot = node.Snapshot.Store;
            string[] files = Directory.GetFiles(snapshot.Directory);
            Assert.Equal(Rows, files.Count(f => f.EndsWith(DirectoryCertificateStore.FileExtension, StringComparison.Ordinal)));
            Assert.DoesNotContain(files, f => Path.GetFileName(f).StartsWith(AtomicFile.TempPrefix, StringComparison.Ordinal));
            Assert.Equal(Rows, node.Snapshot.ReadState()?.Generation);

            // Each record names the file as it is now, so the scan trusts it.
            var records = new Dictionary<string, StoreIndexRecord>(StringComparer.Ordinal);
            StoreIndexFile.ReadResult read = snapshot.Index.Read(0, records);
            Assert.False(read.Damaged);
            Assert.Equal(Rows, records.Count);
            Assert.All(records.Values, r => Assert.Equal(FileVersion.Of(snapshot.PathFor(r.Id)), r.File));

            var fileSet = new StoreCertificateFileSet(snapshot);
            var map = new CertificateMap();
            using (var watcher = new CertificateDirectoryWatcher(fileSet, map, TerminatorLog.Silent, Timeout.InfiniteTimeSpan))
            {
                await watcher.RescanAsync();
            }

            Assert.Equal(Rows, map.Count);
            Assert.Equal((Rows, 0), fileSet.LastLoads);
        }
    }

    [PostgresFact]
    public async Task WholeLoadStoppedHalfWay_LeavesNoState_SoTheFolderIsNeverServedAsASnapshot()
    {
        (PostgresCluster cluster, string database) = await FillAsync();
        await using var store = new PostgresCertificateStore(PostgresCertificateStore.CreateDataSource(cluster.ConnectionString(database)), database, _key);
        var snapshot = new LocalSnapshot(new DirectoryCertificateStore(Path.Combine(_root.FullName, FleetOptions.SnapshotSubdirectory), _key));
        // A complete snapshot of another database (restored elsewhere, recreated): this node must load the whole store.
        snapshot.WriteState(Guid.NewGuid(), 7);
        var follower = new PostgresStoreFollower(store, snapshot, TerminatorLog.Silent.Fleet);

        // The disk fills after the first batch.
        await Assert.ThrowsAsync<IOException>(() => follower.SyncAsync(CancellationToken.None, serving: false,
            batchApplied: () => throw new IOException("No space left on device")));

        Assert.Null(snapshot.ReadState());
        Assert.Equal(1_000, snapshot.ListIds().Count);
    }

    private async Task<(PostgresCluster Cluster, string Database)> FillAsync()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        string database = await cluster.CreateDatabaseAsync();
        // Pooled (the fixture's strings are not): a thousand writes must not open a thousand server processes.
        string pooled = cluster.ConnectionString(database).Replace("Pooling=false", "Pooling=true", StringComparison.Ordinal);
        await using var writer = new PostgresCertificateStore(PostgresCertificateStore.CreateDataSource(pooled), database, _key);
        await StoreSchema.MigrateAsync(writer.Database, CancellationToken.None);
        for (int i = 0; i < Rows; i++)
        {
            await writer.PutAsync(CertificateTestHelpers.Entry(_authority, $"n{i:D4}.snapshot-load.test"));
        }

        return (cluster, database);
    }
}
