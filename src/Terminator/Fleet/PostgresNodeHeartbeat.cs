using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;
using Terminator.Diagnostics;

namespace Terminator.Fleet;

/// <summary>
/// A node's row in the <c>nodes</c> table, upserted every <see cref="Interval"/> on a pooled connection of its own (never
/// the follower's listening one, which may be busy catching up): id, host, version, start time, the generation its
/// snapshot has applied and whether its follower is connected; <c>last_heartbeat</c> is the database's clock, so the fleet
/// view's ages need no synchronised clocks. Every <see cref="PruneInterval"/> the same loop runs the
/// <see cref="TombstonePruner"/> (one node at a time across the fleet). Failures are quiet: the follower already says when
/// the database is away, and a heartbeat missed only makes this node's row older in the fleet view.
/// </summary>
internal sealed class PostgresNodeHeartbeat : IAsyncDisposable
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan DefaultPruneInterval = TimeSpan.FromMinutes(10);

    private readonly NpgsqlDataSource _database;
    private readonly Func<StoreSyncStatus> _status;
    private readonly TombstonePruner _pruner;
    private readonly ILogger _log;
    private readonly string _host = Environment.MachineName;
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private int _failing;

    public PostgresNodeHeartbeat(NpgsqlDataSource database, string nodeId, string version, Func<StoreSyncStatus> status, TombstonePruner pruner, ILogger log,
        TimeSpan? interval = null, TimeSpan? pruneInterval = null)
    {
        _database = database;
        NodeId = nodeId;
        Version = version;
        _status = status;
        _pruner = pruner;
        _log = log;
        Interval = interval ?? DefaultInterval;
        PruneInterval = pruneInterval ?? DefaultPruneInterval;
    }

    /// <summary>This node's id (also its order-lease holder name and what its writes record in <c>updated_by</c>).</summary>
    public string NodeId { get; }

    public string Version { get; }

    public TimeSpan Interval { get; }

    public TimeSpan PruneInterval { get; }

    /// <summary>Starts beating (the first beat at once).</summary>
    public void Start()
    {
        if (_loop is null)
        {
            FleetLog.NodeRegistered(_log, NodeId, Interval.TotalSeconds);
            _loop = Task.Run(() => RunAsync(_stopping.Token));
        }
    }

    /// <summary>One upsert of this node's row.</summary>
    public async Task BeatAsync(CancellationToken cancellationToken)
    {
        StoreSyncStatus status = _status();
        await using NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var beat = new NpgsqlCommand("""
            INSERT INTO nodes (id, host, version, started_at, last_heartbeat, applied_generation, connected)
            VALUES ($1, $2, $3, $4, now(), $5, $6)
            ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, version = EXCLUDED.version, last_heartbeat = now(),
                applied_generation = EXCLUDED.applied_generation, connected = EXCLUDED.connected
            """, connection);
        beat.Parameters.AddWithValue(NodeId);
        beat.Parameters.AddWithValue(_host);
        beat.Parameters.AddWithValue(Version);
        beat.Parameters.AddWithValue(_startedAt);
        beat.Parameters.AddWithValue(status.AppliedGeneration);
        beat.Parameters.AddWithValue(status.Connected);
        await beat.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A connection stuck in the kernel: the process is stopping anyway.
            }
        }

        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Interval);
        // The first prune a little after start, not with it: nodes restarted together do not all queue on the lock at once.
        DateTimeOffset nextPrune = DateTimeOffset.UtcNow + TimeSpan.FromTicks(Math.Min(PruneInterval.Ticks, TimeSpan.FromMinutes(1).Ticks));
        do
        {
            try
            {
                await BeatAsync(stopping).ConfigureAwait(false);
                Volatile.Write(ref _failing, 0);
                if (DateTimeOffset.UtcNow >= nextPrune)
                {
                    nextPrune = DateTimeOffset.UtcNow + PruneInterval;
                    TombstonePruneResult pruned = await _pruner.PruneAsync(stopping).ConfigureAwait(false);
                    if (pruned.Tombstones > 0 || pruned.Nodes > 0)
                    {
                        FleetLog.Pruned(_log, pruned.Tombstones, pruned.PrunedThrough, pruned.Nodes, _pruner.Horizon.TotalDays);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException or InvalidOperationException)
            {
                if (Interlocked.Exchange(ref _failing, 1) == 0)
                {
                    FleetLog.HeartbeatFailed(_log, ex.Message);
                }
            }
        }
        while (await WaitAsync(timer, stopping).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stopping)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
