using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Storage;

namespace Terminator.Fleet;

/// <summary>
/// The <see cref="ICertificateStore"/> of a fleet (<c>TERMINATOR_STORE=postgres</c>): one row per entry in the
/// <c>certificates</c> table (<see cref="StoreRow"/>), holding the same sealed entry the directory store writes to a file,
/// so private keys are encrypted on the node under <c>TERMINATOR_STORE_KEY</c> and the database never sees one in clear.
/// Every row read is authenticated, and its plain columns (id, names, not-after, key type) must equal the entry's
/// authenticated header: a row edited in the database is reported as a <see cref="CertificateStoreProblem"/> and never
/// served, like a tampered file. Writes bump the row's generation and notify every node (<see cref="StoreSchema"/>);
/// a removal leaves a tombstone.
/// </summary>
internal sealed class PostgresCertificateStore : ICertificateStore, IAsyncDisposable
{
    private const string RowColumns = "id, names, not_after, generation, entry";

    private readonly StoreKey _key;
    private readonly string _node;
    private readonly DirectoryCertificateStore? _snapshot;

    /// <param name="database">The database (owned: disposed with the store).</param>
    /// <param name="description">Host, port, database and user, for messages.</param>
    /// <param name="key">The node-held store key.</param>
    /// <param name="snapshot">The node's local snapshot, whose entry paths the daemon serves from (for
    /// <see cref="TryGetId"/>); null for the CLI.</param>
    /// <param name="node">What <c>updated_by</c> records for this writer: the node id (<see cref="PostgresStoreNode.NodeId"/>)
    /// on a daemon; the host name by default (the CLI).</param>
    public PostgresCertificateStore(NpgsqlDataSource database, string description, StoreKey key, DirectoryCertificateStore? snapshot = null, string? node = null)
    {
        Database = database;
        _key = key;
        _snapshot = snapshot;
        _node = node ?? Environment.MachineName;
        Location = $"postgresql {description}";
    }

    /// <summary>The database (for the follower's listening connection).</summary>
    internal NpgsqlDataSource Database { get; }

    /// <summary>The key entries are sealed with.</summary>
    internal StoreKey Key => _key;

    /// <inheritdoc />
    public string Location { get; }

    /// <summary>A data source over <paramref name="connectionString"/> with the node's defaults: a short connect
    /// timeout (a node starting with the database down must fall back to its snapshot quickly), keepalives on the
    /// listening connection so a vanished server is noticed, and an application name for pg_stat_activity.</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Timeout == 15)
        {
            builder.Timeout = 5; // Npgsql's default left as it was
        }

        if (builder.KeepAlive == 0)
        {
            builder.KeepAlive = 10;
        }

        builder.ApplicationName ??= "terminator";
        // The slim builder (trimming- and AOT-safe) with arrays: the names column is text[].
        return new NpgsqlSlimDataSourceBuilder(builder.ConnectionString).EnableArrays().Build();
    }

    /// <inheritdoc />
    public bool TryGetId(string source, [NotNullWhen(true)] out string? id)
    {
        id = null;
        return _snapshot is not null && _snapshot.TryGetId(source, out id);
    }

    /// <inheritdoc />
    public async ValueTask<CertificateStoreListing> ListAsync(CancellationToken cancellationToken = default)
    {
        var entries = new List<StoredCertificateInfo>();
        var problems = new List<CertificateStoreProblem>();
        await using NpgsqlConnection connection = await Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {RowColumns} FROM certificates WHERE entry IS NOT NULL ORDER BY id", connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            StoreRow row = ReadRow(reader);
            if (TryAuthenticate(row, readChain: true, out StoredCertificateInfo? info, out CertificateStoreProblem? problem))
            {
                entries.Add(info);
            }
            else
            {
                problems.Add(problem with { Id = CertificateStoreId.IsValid(row.Id) ? row.Id : null });
            }
        }

        entries.Sort(static (x, y) => x.NotAfter != y.NotAfter ? x.NotAfter.CompareTo(y.NotAfter) : string.CompareOrdinal(x.Id, y.Id));
        return new CertificateStoreListing(entries, problems);
    }

    /// <inheritdoc />
    public async ValueTask<StoredCertificateInfo> PutAsync(CertificateEntry certificate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string id = CertificateStoreId.For(certificate);
        DateTimeOffset now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        string chain = DirectoryCertificateStore.ChainPem(certificate);
        byte[] pkcs8 = DirectoryCertificateStore.ExportPkcs8(certificate.Certificate);
        try
        {
            return await WithRetryAsync(async connection =>
            {
                // Keep the first-stored time across renewals, as the directory store does (read from the authenticated
                // entry, not from a column anyone could edit).
                DateTimeOffset created = now;
                if (await FetchAsync(connection, id, cancellationToken).ConfigureAwait(false) is { Entry: not null } old
                    && TryAuthenticate(old, readChain: false, out StoredCertificateInfo? previous, out _))
                {
                    created = previous.Created;
                }

                var info = new StoredCertificateInfo(id, certificate.Names, certificate.KeyAlgorithm, certificate.NotBefore,
                    certificate.NotAfter, created, now, chain, RowLocation(id));
                byte[] sealedEntry = StoreEntryFormat.Seal(info, pkcs8, _key);
                await using var command = new NpgsqlCommand("""
                    INSERT INTO certificates (id, names, key_type, not_after, entry, generation, updated_by)
                    VALUES ($1, $2, $3, $4, $5, 0, $6)
                    ON CONFLICT (id) DO UPDATE SET names = EXCLUDED.names, key_type = EXCLUDED.key_type,
                        not_after = EXCLUDED.not_after, entry = EXCLUDED.entry, updated_by = EXCLUDED.updated_by
                    """, connection);
                command.Parameters.AddWithValue(id);
                command.Parameters.AddWithValue(info.Names.ToArray());
                command.Parameters.AddWithValue(info.KeyType);
                command.Parameters.AddWithValue(info.NotAfter.UtcDateTime);
                command.Parameters.AddWithValue(NpgsqlDbType.Bytea, sealedEntry);
                command.Parameters.AddWithValue(_node);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return info;
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <inheritdoc />
    /// <remarks>Leaves a tombstone (entry NULL, new generation) so that every node removes the entry too, including one
    /// that was offline and catches up later. Removes an unreadable row as well.</remarks>
    public ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default) =>
        WithRetryAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("UPDATE certificates SET entry = NULL, updated_by = $2 WHERE id = $1 AND entry IS NOT NULL", connection);
            command.Parameters.AddWithValue(id);
            command.Parameters.AddWithValue(_node);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }, cancellationToken);

    /// <summary>The store's identity (a random UUID drawn when the schema was created): a snapshot taken from another
    /// database is never caught up incrementally against this one.</summary>
    internal static async Task<Guid> ReadStoreIdAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT store_id FROM store_identity", connection);
        return (Guid)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The highest generation of a tombstone ever pruned (<see cref="TombstonePruner"/>): a node whose applied
    /// generation is below it may have missed a removal.</summary>
    internal static async Task<long> ReadPrunedThroughAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT tombstones_pruned_through FROM store_identity", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Every live id (a scan of the table: only for a node that missed pruned tombstones, never per tick).</summary>
    internal static async Task<HashSet<string>> LiveIdsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT id FROM certificates WHERE entry IS NOT NULL", connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>The current row for <paramref name="id"/> (live or tombstone), or null.</summary>
    internal static async Task<StoreRow?> FetchAsync(NpgsqlConnection connection, string id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {RowColumns} FROM certificates WHERE id = $1", connection);
        command.Parameters.AddWithValue(id);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRow(reader) : null;
    }

    /// <summary>Rows changed after <paramref name="generation"/>, oldest first, at most <paramref name="limit"/>: an
    /// index range scan on <c>certificates_by_generation</c>, never a scan of the table.</summary>
    internal static async Task<List<StoreRow>> ChangesAfterAsync(NpgsqlConnection connection, long generation, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {RowColumns} FROM certificates WHERE generation > $1 ORDER BY generation LIMIT $2", connection);
        command.Parameters.AddWithValue(generation);
        command.Parameters.AddWithValue(limit);
        var rows = new List<StoreRow>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(ReadRow(reader));
        }

        return rows;
    }

    /// <summary>
    /// Authenticates a live row: the sealed entry's tag, then its plain columns against the authenticated header. A
    /// row copied to another id, or whose names or dates were edited, fails here however intact its entry is.
    /// </summary>
    internal bool TryAuthenticate(StoreRow row, bool readChain, [NotNullWhen(true)] out StoredCertificateInfo? info,
        [NotNullWhen(false)] out CertificateStoreProblem? problem)
    {
        string location = RowLocation(row.Id);
        info = null;
        if (row.Entry is null)
        {
            problem = new CertificateStoreProblem(location, "removed", AuthenticationFailed: false);
            return false;
        }

        string? reason = StoreEntryFormat.TryOpen(row.Entry, _key, location, wantKey: false, out StoredCertificateInfo? opened, out _,
            out bool authenticationFailed, readChain);
        if (reason is null)
        {
            reason = opened!.Id != row.Id ? $"the row's id does not match the entry's authenticated id '{opened.Id}' (copied or renamed in the database)"
                : !opened.Names.SequenceEqual(row.Names, StringComparer.Ordinal) ? "the names column does not match the entry's authenticated names (edited in the database)"
                : opened.NotAfter != row.NotAfter ? "the not_after column does not match the entry's authenticated not-after (edited in the database)"
                : null;
        }

        if (reason is not null)
        {
            problem = new CertificateStoreProblem(location, reason, authenticationFailed);
            return false;
        }

        problem = null;
        info = opened!;
        return true;
    }

    /// <summary>How a row is named in messages.</summary>
    internal string RowLocation(string id) => $"{Location} certificates/{id}";

    public ValueTask DisposeAsync() => Database.DisposeAsync();

    /// <inheritdoc />
    public override string ToString() => Location;

    private static StoreRow ReadRow(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetFieldValue<string[]>(1),
        new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc)),
        reader.GetInt64(3),
        reader.IsDBNull(4) ? null : reader.GetFieldValue<byte[]>(4));

    /// <summary>Runs <paramref name="work"/> on a pooled connection, once more on a fresh one when the first fails at
    /// the connection level (a pooled connection the server closed during a restart): both writes are idempotent.</summary>
    private async ValueTask<T> WithRetryAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await using NpgsqlConnection connection = await Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                return await work(connection).ConfigureAwait(false);
            }
            catch (NpgsqlException ex) when (attempt == 1 && IsConnectionLost(ex))
            {
                Database.Clear();
            }
        }
    }

    /// <summary>A broken connection rather than a refused statement: retrying on a new connection may succeed.</summary>
    internal static bool IsConnectionLost(NpgsqlException ex) =>
        ex is not PostgresException postgres
        || postgres.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exception class
        || postgres.SqlState is "57P01" or "57P02" or "57P03";          // admin/crash shutdown, cannot connect now
}
