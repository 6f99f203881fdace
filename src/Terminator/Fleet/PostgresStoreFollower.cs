using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;
using Terminator.Diagnostics;

namespace Terminator.Fleet;

/// <summary>
/// Keeps a node's <see cref="LocalSnapshot"/> in step with the shared store, which the daemon serves from:
/// <list type="number">
/// <item>one long-lived connection <c>LISTEN</c>s on <see cref="StoreSchema.Channel"/>; each notification carries a
/// generation and an id, and only that row is fetched, authenticated and written to (or, for a tombstone, removed from)
/// the snapshot, whose watcher swaps it into the certificate map;</item>
/// <item>every <see cref="ReconcileInterval"/> without a notification, and after every (re)connection, the rows with a
/// generation above the last applied are read (an index range scan: nothing per tick grows with the store), which catches
/// anything a notification did not deliver;</item>
/// <item>a lost connection is retried with exponential backoff (250 ms doubling to 5 s, jittered) while the node keeps
/// serving what it has.</item>
/// </list>
/// Generations commit in order (<see cref="StoreSchema"/>), so "everything above N" after a reconnection is exactly what
/// was missed.
/// </summary>
internal sealed partial class PostgresStoreFollower : IAsyncDisposable
{
    /// <summary>The safety net's period: a change whose notification was lost is applied within this time.</summary>
    public static readonly TimeSpan DefaultReconcileInterval = TimeSpan.FromSeconds(30);

    private const int BatchSize = 1000;

    private readonly PostgresCertificateStore _store;
    private readonly LocalSnapshot _snapshot;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private Guid _storeId;
    private long _generation;
    private int _connected;
    private long _inStepTimestamp = Stopwatch.GetTimestamp();
    private long _notifications;
    private long _missed;
    private long _reconnects;
    private long _refused;
    private long _wholeReconciliations;

    public PostgresStoreFollower(PostgresCertificateStore store, LocalSnapshot snapshot, ILogger log, TimeSpan? reconcileInterval = null)
    {
        _store = store;
        _snapshot = snapshot;
        _log = log;
        ReconcileInterval = reconcileInterval ?? DefaultReconcileInterval;
    }

    /// <summary>How often the follower reconciles by generation when no notification arrives.</summary>
    public TimeSpan ReconcileInterval { get; }

    /// <summary>The last generation applied to the snapshot.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Times the snapshot's ids were reconciled against the live ids because tombstones it had not applied were
    /// pruned (tests, diagnostics).</summary>
    public long WholeReconciliations => Interlocked.Read(ref _wholeReconciliations);

    /// <summary>For /metrics (cheap, thread-safe).</summary>
    public StoreSyncStatus Status()
    {
        bool connected = Volatile.Read(ref _connected) != 0;
        double lag = connected ? 0 : Stopwatch.GetElapsedTime(Interlocked.Read(ref _inStepTimestamp)).TotalSeconds;
        return new StoreSyncStatus(connected, Generation, lag, Interlocked.Read(ref _notifications), Interlocked.Read(ref _missed),
            Interlocked.Read(ref _reconnects), Interlocked.Read(ref _refused));
    }

    /// <summary>
    /// Start-up: brings the snapshot up to the database, incrementally from the generation it records, or whole when it
    /// records none or another database's store id (then entries the database does not hold are deleted). Throws when the
    /// database cannot be reached; the caller decides whether the snapshot as it is will do.
    /// </summary>
    /// <param name="batchApplied">Called after each batch of rows (start-up bounds the time between two, not the whole
    /// load: a new node of a fleet with a million certificates fetches them all).</param>
    /// <param name="serving">False at start-up, before the daemon serves the snapshot: a whole-store load then writes
    /// its files in place.</param>
    public async Task SyncAsync(CancellationToken cancellationToken, bool serving = true, Action? batchApplied = null)
    {
        long started = Stopwatch.GetTimestamp();
        HashSet<string>? live;
        bool whole;
        int changes;
        // The connection only for the rows: closed before the local work that follows (the stale sweep and the flush
        // of a whole load take tens of seconds at a million entries, and a connection left idle under start-up's
        // timeout broke on disposal: a node that had just loaded a million rows reported the database unreachable).
        await using (NpgsqlConnection connection = await _store.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            Guid storeId = await PostgresCertificateStore.ReadStoreIdAsync(connection, cancellationToken).ConfigureAwait(false);
            (Guid StoreId, long Generation)? state = _snapshot.ReadState();
            whole = state is null || state.Value.StoreId != storeId;
            if (whole && _snapshot.ListIds().Count > 0)
            {
                FleetLog.SnapshotFromElsewhere(_log, _snapshot.Store.Directory);
            }

            _storeId = storeId;
            Interlocked.Exchange(ref _generation, whole ? 0 : state!.Value.Generation);
            live = whole ? new HashSet<string>(StringComparer.Ordinal) : null;
            if (whole)
            {
                _snapshot.ClearState();
            }

            SnapshotWrite write = whole && !serving ? SnapshotWrite.Unserved : SnapshotWrite.Batched;
            long before = Generation;
            changes = await CatchUpAsync(connection, live, cancellationToken, write, batchApplied).ConfigureAwait(false);
            if (live is null)
            {
                await ReconcileIfPrunedAsync(connection, before, cancellationToken).ConfigureAwait(false);
            }
        }

        if (live is not null)
        {
            foreach (string stale in _snapshot.ListIds())
            {
                if (!live.Contains(stale))
                {
                    _snapshot.Remove(stale, SnapshotWrite.Batched);
                }
            }
        }

        _snapshot.Flush();
        _snapshot.WriteState(_storeId, Generation);
        MarkInStep();
        FleetLog.SnapshotSynced(_log, _snapshot.Store.Directory, Generation, changes, whole ? "whole store" : "changes since the snapshot",
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>Continues from the snapshot's own state without the database (start-up during an outage).</summary>
    public void ResumeFromSnapshot(Guid storeId, long generation)
    {
        _storeId = storeId;
        Interlocked.Exchange(ref _generation, generation);
    }

    /// <summary>Starts listening (after the daemon's listeners are up).</summary>
    public void Start() => _loop ??= Task.Run(() => RunAsync(_stopping.Token));

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
        var backoff = new DatabaseReconnectBackoff();
        long? lostAt = null;
        int attempts = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                attempts++;
                await FollowAsync(onConnected: changes =>
                {
                    if (lostAt is { } since)
                    {
                        Interlocked.Increment(ref _reconnects);
                        FleetLog.Reconnected(_log, (long)Stopwatch.GetElapsedTime(since).TotalMilliseconds, attempts, changes, Generation);
                    }

                    lostAt = null;
                    attempts = 0;
                    backoff.Reset();
                }, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException or InvalidOperationException)
            {
                if (Volatile.Read(ref _connected) != 0)
                {
                    MarkInStep(); // notifications kept it in step up to this moment
                }

                Volatile.Write(ref _connected, 0);
                if (lostAt is null)
                {
                    lostAt = Stopwatch.GetTimestamp();
                    FleetLog.ConnectionLost(_log, ex.Message);
                }
            }

            if (!await backoff.WaitAsync(stopping).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>One connection's life: LISTEN, catch up, then apply notifications and reconcile until it breaks.</summary>
    private async Task FollowAsync(Action<int> onConnected, CancellationToken stopping)
    {
        var pending = new ConcurrentQueue<string>();
        await using NpgsqlConnection connection = await ListeningConnection.OpenAsync(_store.Database, StoreSchema.Channel, pending.Enqueue, stopping)
            .ConfigureAwait(false);
        Guid storeId = await PostgresCertificateStore.ReadStoreIdAsync(connection, stopping).ConfigureAwait(false);
        if (storeId != _storeId)
        {
            // The database was replaced (restored elsewhere, recreated): follow it from scratch.
            FleetLog.SnapshotFromElsewhere(_log, _snapshot.Store.Directory);
            await SyncAsync(stopping).ConfigureAwait(false);
        }

        long before = Generation;
        int changes = await CatchUpAsync(connection, live: null, stopping).ConfigureAwait(false);
        await ReconcileIfPrunedAsync(connection, before, stopping).ConfigureAwait(false);
        Volatile.Write(ref _connected, 1);
        MarkInStep();
        onConnected(changes);
        while (true)
        {
            // Notifications that arrived with the replies of the catch-up's queries are already queued: apply them before
            // waiting for another one. (Waiting first left an import made while a node connected unserved until the next
            // notification or the 30 s reconciliation: RowEditedInTheDatabase_... missed its bound in the full suite.)
            bool notified = !pending.IsEmpty || await connection.WaitAsync(ReconcileInterval, stopping).ConfigureAwait(false);
            if (!notified && pending.IsEmpty)
            {
                int missed = await CatchUpAsync(connection, live: null, stopping).ConfigureAwait(false);
                if (missed > 0)
                {
                    Interlocked.Add(ref _missed, missed);
                    FleetLog.ReconciliationCaughtUp(_log, missed, Generation);
                }
            }

            // Notifications also arrive while this connection runs the fetches below: drain until none is left.
            while (pending.TryDequeue(out string? payload))
            {
                Interlocked.Increment(ref _notifications);
                await ApplyNotifiedAsync(connection, payload, stopping).ConfigureAwait(false);
            }

            MarkInStep();
        }
    }

    private void MarkInStep() => Interlocked.Exchange(ref _inStepTimestamp, Stopwatch.GetTimestamp());
}
