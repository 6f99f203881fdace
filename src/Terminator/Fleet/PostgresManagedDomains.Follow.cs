using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Npgsql;
using Terminator.Domains;

namespace Terminator.Fleet;

/// <summary>Following the table: start-up sync, notifications, catch-up by generation, reconnection.</summary>
internal sealed partial class PostgresManagedDomains
{
    private const int BatchSize = 1000;

    /// <summary>
    /// Start-up: brings the local copy in step with the table (every row: a tombstone removes the local record), and
    /// adds to the table the local domains it has no row for at all (a node's own registry from before it joined the
    /// fleet, so turning the shared registry on loses no domain). Throws when the database cannot be reached: the caller
    /// then starts from the local copy as it is, and <see cref="Start"/> syncs once the database answers.
    /// </summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        await _applyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            long generation = 0;
            int changed = 0;
            await using (var all = new NpgsqlCommand($"SELECT {DomainRow.Columns} FROM domains ORDER BY generation", connection))
            await using (NpgsqlDataReader reader = await all.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    seen.Add(reader.GetString(0));
                    generation = Math.Max(generation, reader.GetInt64(13));
                    changed += ApplyCounted(reader);
                }
            }

            int joined = 0;
            foreach (string name in _local.SnapshotNames())
            {
                if (!seen.Contains(name) && _local.TryGet(name, out ManagedDomain? own)
                    && await WriteAsync(connection, own, removed: false, insertOnly: true, cancellationToken).ConfigureAwait(false))
                {
                    joined++;
                }
            }

            Interlocked.Exchange(ref _generation, generation);
            FleetLog.DomainsSynced(_log, seen.Count, changed, joined, generation, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            _applyGate.Release();
        }
    }

    /// <summary>Starts following the table (after <see cref="SyncAsync"/>, or without it when the database was down).</summary>
    public void Start()
    {
        _applier ??= Task.Run(() => ApplyNotifiedAsync(_stopping.Token));
        _loop ??= Task.Run(() => RunAsync(_stopping.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _notified.Writer.TryComplete();
        foreach (Task? task in new[] { _loop, _applier })
        {
            if (task is null)
            {
                continue;
            }

            try
            {
                await task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A connection stuck in the kernel: the process is stopping anyway.
            }
        }

        _stopping.Dispose();
        _applyGate.Dispose();
    }

    private int ApplyCounted(NpgsqlDataReader reader)
    {
        string name = reader.GetString(0);
        bool had = _local.TryGet(name, out ManagedDomain? before);
        ManagedDomain? after = ApplyUnsynchronized(reader);
        return (had, after) switch
        {
            (false, null) => 0,
            (true, null) => _local.TryGet(name, out _) ? 0 : 1,
            (_, { } now) => before is not null && before.Equals(now) ? 0 : 1,
        };
    }

    private Task RunAsync(CancellationToken stopping) => DatabaseReconnectBackoff.FollowUntilStoppedAsync(FollowAsync, (ex, first) =>
    {
        Volatile.Write(ref _connected, 0);
        if (first)
        {
            FleetLog.DomainsConnectionLost(_log, ex.Message);
        }
    }, stopping);

    private async Task FollowAsync(Action onConnected, CancellationToken stopping)
    {
        // On the connection's reading thread: only a queue write; the applier task reads the row.
        await using NpgsqlConnection connection = await ListeningConnection.OpenAsync(_database, StoreSchema.DomainChannel, OnNotification, stopping)
            .ConfigureAwait(false);
        if (Generation < 0)
        {
            await SyncAsync(stopping).ConfigureAwait(false);
        }
        else
        {
            await CatchUpAsync(stopping).ConfigureAwait(false);
        }

        Volatile.Write(ref _connected, 1);
        onConnected();
        while (true)
        {
            if (!await connection.WaitAsync(ReconcileInterval, stopping).ConfigureAwait(false))
            {
                await CatchUpAsync(stopping).ConfigureAwait(false);
            }
        }
    }

    private void OnNotification(string payload)
    {
        int space = payload.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && long.TryParse(payload.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            _notified.Writer.TryWrite(payload[(space + 1)..]);
        }
    }

    private async Task ApplyNotifiedAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (string name in _notified.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    await ApplyLatestAsync(name, stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException or InvalidOperationException)
                {
                    // The catch-up after the reconnection applies it.
                    FleetLog.DomainApplyFailed(_log, name, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>Applies every row above the last generation caught up to, in batches (an index range scan).</summary>
    private async Task CatchUpAsync(CancellationToken stopping)
    {
        await _applyGate.WaitAsync(stopping).ConfigureAwait(false);
        try
        {
            await using NpgsqlConnection connection = await _database.OpenConnectionAsync(stopping).ConfigureAwait(false);
            int changed = 0;
            while (true)
            {
                int read = 0;
                long generation = Generation;
                await using (var next = new NpgsqlCommand($"SELECT {DomainRow.Columns} FROM domains WHERE generation > $1 ORDER BY generation LIMIT {BatchSize}", connection))
                {
                    next.Parameters.AddWithValue(generation);
                    await using NpgsqlDataReader reader = await next.ExecuteReaderAsync(stopping).ConfigureAwait(false);
                    while (await reader.ReadAsync(stopping).ConfigureAwait(false))
                    {
                        read++;
                        generation = reader.GetInt64(13);
                        changed += ApplyCounted(reader);
                    }
                }

                Interlocked.Exchange(ref _generation, generation);
                if (read < BatchSize)
                {
                    break;
                }
            }

            if (changed > 0)
            {
                FleetLog.DomainsCaughtUp(_log, changed, Generation);
            }
        }
        finally
        {
            _applyGate.Release();
        }
    }
}
