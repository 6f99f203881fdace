using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Fleet;
using Terminator.Storage;

namespace Terminator.Tests.Fleet;

/// <summary>A fleet node in the test process: the daemon's store node (schema, snapshot, follower, heartbeat, fleet view)
/// and its snapshot watcher feeding a certificate map. The heartbeat's loop is not started: tests beat explicitly.</summary>
internal sealed class InProcessFleetNode : IAsyncDisposable
{
    private readonly CertificateDirectoryWatcher _watcher;

    private InProcessFleetNode(PostgresStoreNode node, CertificateDirectoryWatcher watcher)
    {
        Node = node;
        _watcher = watcher;
    }

    public PostgresStoreNode Node { get; }

    public StoreSyncStatus Status => Node.Follower.Status();

    /// <summary>Opens the node as the daemon does, or fails the test with its start-up error.</summary>
    public static async Task<InProcessFleetNode> StartAsync(string directory, StoreKey key, string connectionString, string database, CertificateMap map,
        TerminatorLog log, TimeSpan? reconcileInterval = null, bool migrate = true)
    {
        (PostgresStoreNode? node, string? fatal) = await OpenAsync(directory, key, connectionString, database, log, reconcileInterval, migrate);
        Assert.True(node is not null, fatal);
        var watcher = new CertificateDirectoryWatcher(new StoreCertificateFileSet(node.Snapshot.Store), map, log, TimeSpan.FromSeconds(30));
        await watcher.RescanAsync();
        watcher.StartWatching();
        node.Follower.Start();
        return new InProcessFleetNode(node, watcher);
    }

    /// <summary>Only <see cref="PostgresStoreNode.OpenAsync"/> (for start-up errors).</summary>
    public static Task<(PostgresStoreNode? Node, string? Fatal)> OpenAsync(string directory, StoreKey key, string connectionString, string database, TerminatorLog log,
        TimeSpan? reconcileInterval = null, bool migrate = true)
    {
        var fleet = new FleetOptions { Store = StoreKind.Postgres, ConnectionString = connectionString, DatabaseDescription = database, Migrate = migrate };
        return PostgresStoreNode.OpenAsync(fleet, directory, key, log, reconcileInterval);
    }

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        _watcher.Dispose();
    }
}
