using System.Net.Sockets;
using Npgsql;
using Terminator.Admin;

namespace Terminator.Fleet;

/// <summary>
/// <c>GET /v1/fleet</c> from the shared database: the <c>nodes</c> table (small: one row per node process, pruned after a
/// week) with each node's lag computed against the store, and one page of live certificates by primary key (an index range
/// scan from the cursor, whatever the table's size). Ages use the database's clock, as the heartbeats do.
/// </summary>
internal sealed class PostgresFleetView(NpgsqlDataSource database) : IFleetView
{
    /// <summary>The view's statements may not hold an admin request longer than this.</summary>
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(5);

    public async ValueTask<(FleetResource? View, string? Unavailable)> GetAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(QueryTimeout);
        try
        {
            await using NpgsqlConnection connection = await database.OpenConnectionAsync(timeout.Token).ConfigureAwait(false);
            // One snapshot for the three reads, so the latest generation and each node's lag agree.
            await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, timeout.Token).ConfigureAwait(false);
            long latest;
            await using (var newest = new NpgsqlCommand("SELECT coalesce(max(generation), 0) FROM certificates", connection, transaction))
            {
                latest = (long)(await newest.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false))!;
            }

            List<FleetNodeResource> nodes = await ReadNodesAsync(connection, transaction, latest, timeout.Token).ConfigureAwait(false);
            (List<FleetCertificateResource> certificates, string? next) = await ReadCertificatesAsync(connection, transaction, after, limit, timeout.Token).ConfigureAwait(false);
            return (new FleetResource(latest, nodes, certificates, next), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"no answer within {QueryTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException)
        {
            return (null, ex.Message);
        }
    }

    private static async Task<List<FleetNodeResource>> ReadNodesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long latest, CancellationToken cancellationToken)
    {
        // The lag: how old the oldest change above the node's applied generation was at its last heartbeat (one index
        // lookup on certificates_by_generation per node).
        await using var command = new NpgsqlCommand($"""
            SELECT n.id, n.host, n.version, n.started_at, n.last_heartbeat, extract(epoch FROM now() - n.last_heartbeat)::float8,
                   n.connected, n.applied_generation,
                   coalesce(greatest(extract(epoch FROM n.last_heartbeat - (
                       SELECT c.updated_at FROM certificates c WHERE c.generation > n.applied_generation ORDER BY c.generation LIMIT 1)), 0), 0)::float8
            FROM nodes n
            ORDER BY n.id
            LIMIT {FleetEndpoint.MaxNodes}
            """, connection, transaction);
        var nodes = new List<FleetNodeResource>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            long applied = reader.GetInt64(7);
            nodes.Add(new FleetNodeResource(
                reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4), Math.Round(reader.GetDouble(5), 3),
                reader.GetBoolean(6), applied, Math.Max(0, latest - applied), Math.Round(reader.GetDouble(8), 3)));
        }

        return nodes;
    }

    private static async Task<(List<FleetCertificateResource> Page, string? Next)> ReadCertificatesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string? after, int limit, CancellationToken cancellationToken)
    {
        // One row more than the page tells whether there is a next one. Two statements rather than "$1 IS NULL OR id > $1",
        // so a page deep in the table is always an index range scan from the cursor, whatever plan the server picks.
        await using var command = new NpgsqlCommand(after is null
            ? "SELECT id, names, not_after, generation, updated_by, updated_at FROM certificates WHERE entry IS NOT NULL ORDER BY id LIMIT $1"
            : "SELECT id, names, not_after, generation, updated_by, updated_at FROM certificates WHERE entry IS NOT NULL AND id > $2 ORDER BY id LIMIT $1",
            connection, transaction);
        command.Parameters.AddWithValue(limit + 1);
        if (after is not null)
        {
            command.Parameters.AddWithValue(after);
        }

        var page = new List<FleetCertificateResource>(Math.Min(limit, 1000));
        bool more = false;
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (page.Count == limit)
            {
                more = true;
                break;
            }

            page.Add(new FleetCertificateResource(
                reader.GetString(0), reader.GetFieldValue<string[]>(1), new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc)),
                reader.GetInt64(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return (page, more ? FleetEndpoint.EncodeCursor(page[^1].Id) : null);
    }
}
