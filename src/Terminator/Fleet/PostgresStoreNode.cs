using System.Net.Sockets;
using System.Reflection;
using Npgsql;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Storage;

namespace Terminator.Fleet;

/// <summary>
/// What <c>TERMINATOR_STORE=postgres</c> adds to a node: the shared store, its schema (migrated at start-up), the local
/// snapshot the daemon serves from (<c>TERMINATOR_STORE_DIR/snapshot</c>, followed like a directory store) and the
/// follower that keeps that snapshot in step. Start-up with the database down serves the snapshot as it is, if one was
/// ever completed; without one it is a start-up error.
/// </summary>
internal sealed class PostgresStoreNode : IAsyncDisposable
{
    /// <summary>Bound on start-up's migration and sync when the database answers but slowly.</summary>
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(60);

    private PostgresStoreNode(string nodeId, PostgresCertificateStore store, LocalSnapshot snapshot, PostgresStoreFollower follower, PostgresNodeHeartbeat heartbeat)
    {
        NodeId = nodeId;
        Store = store;
        Snapshot = snapshot;
        Follower = follower;
        Heartbeat = heartbeat;
        View = new PostgresFleetView(store.Database);
    }

    /// <summary>This node's id in the fleet: host name, process id and a random suffix (two nodes on one machine differ).
    /// Its row in <c>nodes</c>, its order leases' holder and its writes' <c>updated_by</c> all carry it.</summary>
    public string NodeId { get; }

    /// <summary>Upserts this node's row in <c>nodes</c> and prunes old tombstones.</summary>
    public PostgresNodeHeartbeat Heartbeat { get; }

    /// <summary>What <c>GET /v1/fleet</c> answers from.</summary>
    public PostgresFleetView View { get; }

    /// <summary>The shared store (what <c>terminator certs</c> and ACME write to; its database also holds the ACME
    /// challenges and order leases).</summary>
    public PostgresCertificateStore Store { get; }

    /// <summary>The local snapshot the daemon serves from.</summary>
    public LocalSnapshot Snapshot { get; }

    /// <summary>The follower (its <see cref="PostgresStoreFollower.Status"/> feeds /metrics).</summary>
    public PostgresStoreFollower Follower { get; }

    /// <summary>Opens the store, migrates the schema and brings the snapshot up to date; returns the node, or a one-line
    /// start-up error naming the variable.</summary>
    public static async Task<(PostgresStoreNode? Node, string? Fatal)> OpenAsync(FleetOptions fleet, string storeDirectory, StoreKey key, TerminatorLog log,
        TimeSpan? reconcileInterval = null)
    {
        string directory = Path.Combine(storeDirectory, FleetOptions.SnapshotSubdirectory);
        DirectoryCertificateStore snapshotStore;
        try
        {
            if (!Directory.Exists(storeDirectory))
            {
                Directory.CreateDirectory(storeDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            snapshotStore = new DirectoryCertificateStore(directory, key);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"TERMINATOR_STORE_DIR: cannot create the snapshot folder '{directory}': {ex.Message}");
        }

        string variable = fleet.ConnectionStringFile is null ? "TERMINATOR_DATABASE_URL" : "TERMINATOR_DATABASE_URL_FILE";
        if (fleet.ConnectionStringFile is not null && SecretFileMode.DescribeProblem(fleet.ConnectionStringFile, "database URL file") is { } permission)
        {
            FleetLog.DatabaseUrlFilePermissions(log.Fleet, permission);
        }

        string nodeId = PostgresOrderLeases.ProcessHolder();
        var store = new PostgresCertificateStore(PostgresCertificateStore.CreateDataSource(fleet.ConnectionString!), fleet.DatabaseDescription ?? "?", key, snapshotStore,
            node: nodeId);
        var snapshot = new LocalSnapshot(snapshotStore);
        var follower = new PostgresStoreFollower(store, snapshot, log.Fleet, reconcileInterval);
        var heartbeat = new PostgresNodeHeartbeat(store.Database, nodeId, BuildVersion(), follower.Status, new TombstonePruner(store.Database), log.Fleet);
        using var timeout = new CancellationTokenSource(StartupTimeout);
        try
        {
            if (fleet.Migrate)
            {
                IReadOnlyList<int> applied = await StoreSchema.MigrateAsync(store.Database, timeout.Token).ConfigureAwait(false);
                FleetLog.SchemaReady(log.Fleet, fleet.DatabaseDescription ?? "?", StoreSchema.LatestVersion,
                    applied.Count == 0 ? "up to date" : $"migrated: {string.Join(", ", applied)}");
            }
            else
            {
                if (await StoreSchema.CheckAsync(store.Database, timeout.Token).ConfigureAwait(false) is { } behind)
                {
                    await store.DisposeAsync().ConfigureAwait(false);
                    return (null, $"{variable}: {fleet.DatabaseDescription}: {behind}");
                }

                FleetLog.SchemaReady(log.Fleet, fleet.DatabaseDescription ?? "?", StoreSchema.LatestVersion, "checked, not migrated: TERMINATOR_DATABASE_MIGRATE=off");
            }

            await follower.SyncAsync(timeout.Token).ConfigureAwait(false);
            return (new PostgresStoreNode(nodeId, store, snapshot, follower, heartbeat), null);
        }
        catch (NotSupportedException ex)
        {
            await store.DisposeAsync().ConfigureAwait(false);
            return (null, $"{variable}: {ex.Message}");
        }
        catch (PostgresException ex) when (!PostgresCertificateStore.IsConnectionLost(ex))
        {
            // The server answered and refused (authentication, permissions, a missing database): configuration, not an
            // outage, so it is said now rather than hidden behind a stale snapshot.
            await store.DisposeAsync().ConfigureAwait(false);
            return (null, $"{variable}: {fleet.DatabaseDescription}: {ex.SqlState} {ex.MessageText}");
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or IOException or TimeoutException or OperationCanceledException)
        {
            string reason = ex is OperationCanceledException ? $"no answer within {StartupTimeout.TotalSeconds:0} s" : ex.Message;
            if (snapshot.ReadState() is not { } state)
            {
                await store.DisposeAsync().ConfigureAwait(false);
                return (null, $"{variable}: cannot reach {fleet.DatabaseDescription} ({reason}) and there is no local snapshot in '{directory}' to serve from");
            }

            follower.ResumeFromSnapshot(state.StoreId, state.Generation);
            FleetLog.ServingSnapshot(log.Fleet, reason, directory, state.Generation);
            return (new PostgresStoreNode(nodeId, store, snapshot, follower, heartbeat), null);
        }
    }

    /// <summary>Starts following changes and beating (after the snapshot's watcher and the listeners are up).</summary>
    public void Start()
    {
        Follower.Start();
        Heartbeat.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await Heartbeat.DisposeAsync().ConfigureAwait(false);
        await Follower.DisposeAsync().ConfigureAwait(false);
        await Store.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The build's informational version ("1.2.3+commit"), for the <c>nodes</c> table.</summary>
    private static string BuildVersion() =>
        typeof(PostgresStoreNode).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
