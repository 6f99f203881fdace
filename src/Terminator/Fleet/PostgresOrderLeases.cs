using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;
using Terminator.Acme;

namespace Terminator.Fleet;

/// <summary>
/// Order leases in the <c>leases</c> table: one row per domain being ordered for, naming the node (process) that holds it
/// and until when. Taking is one statement (insert, or take over a row whose expiry has passed), so two nodes racing
/// for a domain cannot both win; the holder renews every third of <see cref="Duration"/> and deletes the row when the
/// order is over. A node that dies mid-order renews nothing: the row expires and the next node to try takes it over.
/// </summary>
internal sealed class PostgresOrderLeases : IOrderLeases
{
    /// <summary>A lease's lifetime between renewals: how long a dead node's domain waits before another node may order.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromMinutes(2);

    private readonly NpgsqlDataSource _database;
    private readonly ILogger _log;

    public PostgresOrderLeases(NpgsqlDataSource database, string holder, ILogger log, TimeSpan? duration = null)
    {
        _database = database;
        Holder = holder;
        _log = log;
        Duration = duration ?? DefaultDuration;
    }

    /// <summary>This node's name in the <c>holder</c> column (unique per process).</summary>
    public string Holder { get; }

    public TimeSpan Duration { get; }

    internal ILogger Log => _log;

    /// <inheritdoc />
    public TimeSpan RetryDelay => Duration;

    /// <summary>A holder name unique to this process: two nodes on one machine must not share leases.</summary>
    public static string ProcessHolder() => $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <inheritdoc />
    public async ValueTask<IOrderLease?> TryTakeAsync(string domain, DateTimeOffset retry, CancellationToken cancellationToken)
    {
        try
        {
            await using NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (var take = new NpgsqlCommand("""
                INSERT INTO leases (domain, holder, expires_at) VALUES ($1, $2, now() + $3)
                ON CONFLICT (domain) DO UPDATE SET holder = EXCLUDED.holder, taken_at = now(), expires_at = EXCLUDED.expires_at
                    WHERE leases.expires_at < now() OR leases.holder = EXCLUDED.holder
                RETURNING holder
                """, connection))
            {
                take.Parameters.AddWithValue(domain);
                take.Parameters.AddWithValue(Holder);
                take.Parameters.AddWithValue(Duration);
                if (await take.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string)
                {
                    return PostgresOrderLease.Start(this, domain);
                }
            }

            await using var holder = new NpgsqlCommand("SELECT holder, expires_at FROM leases WHERE domain = $1", connection);
            holder.Parameters.AddWithValue(domain);
            await using NpgsqlDataReader reader = await holder.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                FleetLog.LeaseHeldElsewhere(_log, domain, reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), retry);
            }
            else
            {
                FleetLog.LeaseUnavailable(_log, domain, "released while it was being taken", retry);
            }

            return null;
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException)
        {
            FleetLog.LeaseUnavailable(_log, domain, ex.Message, retry);
            return null;
        }
    }

    /// <summary>Extends the lease; false when this holder no longer has it.</summary>
    internal async Task<bool> RenewAsync(string domain, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var renew = new NpgsqlCommand("UPDATE leases SET expires_at = now() + $3 WHERE domain = $1 AND holder = $2", connection);
        renew.Parameters.AddWithValue(domain);
        renew.Parameters.AddWithValue(Holder);
        renew.Parameters.AddWithValue(Duration);
        return await renew.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Gives the lease back (only if still this holder's).</summary>
    internal async Task ReleaseAsync(string domain, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var release = new NpgsqlCommand("DELETE FROM leases WHERE domain = $1 AND holder = $2", connection);
        release.Parameters.AddWithValue(domain);
        release.Parameters.AddWithValue(Holder);
        await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
