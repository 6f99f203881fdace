using Npgsql;

namespace Terminator.Fleet;

/// <summary>
/// Opens the long-lived connection a follower reads notifications on: the handler is subscribed and the channel
/// <c>LISTEN</c>ed before the caller reads the table, so a change committed in between is both read and notified
/// (the followers apply it once). The handler runs on the connection's reading thread, while the caller waits in
/// <see cref="NpgsqlConnection.WaitAsync(TimeSpan, CancellationToken)"/>; keep it short.
/// </summary>
internal static class ListeningConnection
{
    public static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource database, string channel, Action<string> onPayload,
        CancellationToken stopping)
    {
        NpgsqlConnection connection = await database.OpenConnectionAsync(stopping).ConfigureAwait(false);
        try
        {
            connection.Notification += (_, e) => onPayload(e.Payload);
            // The channel names are StoreSchema constants, never input: LISTEN takes no parameters.
            await using var listen = new NpgsqlCommand("LISTEN " + channel, connection);
            await listen.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
