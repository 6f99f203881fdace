using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Npgsql;
using Terminator.Acme;
using Terminator.Configuration;

namespace Terminator.Fleet;

/// <summary>
/// The fleet's ACME accounts, one per CA directory, in the <c>acme_accounts</c> table (migration 4): the key sealed
/// exactly as the per-node key file is (<see cref="AcmeAccountKeyFile"/>: AES-256-GCM under the node-held store key,
/// bound to the directory URL, so the database never holds it in clear and a row edited or copied to another directory
/// is refused), and the account URL. The first node to need an account creates it with one
/// <c>INSERT ... ON CONFLICT DO NOTHING</c>; every node, that one included, then uses the row that won, so two nodes
/// starting together end with one account.
/// </summary>
/// <remarks>
/// Each node keeps a copy of the fleet's sealed key in its store folder (<see cref="AcmeAccountStore"/>'s file), which it
/// uses when the database is unreachable at start-up. A node that already had an account of its own before it joined the
/// fleet offers that key: if no node was first, the fleet keeps that account (and its history at the CA).
/// </remarks>
internal sealed class PostgresAcmeAccountStore : IAcmeAccountStore
{
    private readonly NpgsqlDataSource _database;
    private readonly StoreKey _key;
    private readonly AcmeAccountStore _local;
    private readonly string _node;
    private readonly ILogger _log;

    public PostgresAcmeAccountStore(NpgsqlDataSource database, StoreKey key, AcmeAccountStore local, string node, ILogger log)
    {
        _database = database;
        _key = key;
        _local = local;
        _node = node;
        _log = log;
    }

    /// <inheritdoc />
    public async Task<AcmeAccountKey> LoadOrCreateKeyAsync(Uri directoryUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directoryUri);
        byte[] sealedKey;
        string origin;
        try
        {
            await using NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            byte[]? stored = await ReadSealedAsync(connection, directoryUri, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                (byte[] offered, Uri? offeredUrl, origin) = await OfferAsync(directoryUri, cancellationToken).ConfigureAwait(false);
                await using (var insert = new NpgsqlCommand(
                    "INSERT INTO acme_accounts (directory, sealed_key, account_url, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT (directory) DO NOTHING", connection))
                {
                    insert.Parameters.AddWithValue(directoryUri.AbsoluteUri);
                    insert.Parameters.AddWithValue(offered);
                    insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text, Value = (object?)offeredUrl?.AbsoluteUri ?? DBNull.Value });
                    insert.Parameters.AddWithValue(_node);
                    if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                    {
                        origin = "created by another node at the same time; using that one";
                    }
                }

                stored = await ReadSealedAsync(connection, directoryUri, cancellationToken).ConfigureAwait(false)
                    ?? throw new IOException($"the fleet's ACME account for {directoryUri} disappeared while it was being created");
            }
            else
            {
                origin = "the fleet's, from the database";
            }

            sealedKey = stored;
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            if (!File.Exists(_local.KeyPath(directoryUri)))
            {
                throw new IOException(
                    $"the fleet's ACME account is kept in the database, which is unreachable ({ex.Message}), and this node has no copy of it in '{_local.KeyPath(directoryUri)}'", ex);
            }

            FleetLog.AccountShared(_log, directoryUri.AbsoluteUri, $"database unreachable ({ex.Message}): using this node's copy");
            return await _local.LoadOrCreateKeyAsync(directoryUri, cancellationToken).ConfigureAwait(false);
        }

        AcmeAccountKey key = Open(sealedKey, directoryUri);
        try
        {
            _local.ReplaceSealedKey(directoryUri, sealedKey); // this node's copy, for a start-up without the database
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            key.Dispose();
            throw;
        }

        FleetLog.AccountShared(_log, directoryUri.AbsoluteUri, $"{origin} (key {key.Thumbprint})");
        return key;
    }

    /// <inheritdoc />
    public async Task<Uri?> ReadAccountUrlAsync(Uri directoryUri, CancellationToken cancellationToken)
    {
        try
        {
            await using NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var select = new NpgsqlCommand("SELECT account_url FROM acme_accounts WHERE directory = $1", connection);
            select.Parameters.AddWithValue(directoryUri.AbsoluteUri);
            object? url = await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return url is string text && Uri.TryCreate(text, UriKind.Absolute, out Uri? account) ? account : null;
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            return await _local.ReadAccountUrlAsync(directoryUri, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task SaveAccountUrlAsync(Uri directoryUri, Uri accountUrl, CancellationToken cancellationToken)
    {
        _local.SaveAccountUrl(directoryUri, accountUrl);
        try
        {
            await using NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var update = new NpgsqlCommand("UPDATE acme_accounts SET account_url = $2 WHERE directory = $1", connection);
            update.Parameters.AddWithValue(directoryUri.AbsoluteUri);
            update.Parameters.AddWithValue(accountUrl.AbsoluteUri);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            // Only a hint (the CA finds the account by its key): the next node to register records it.
        }
    }

    private static async Task<byte[]?> ReadSealedAsync(NpgsqlConnection connection, Uri directoryUri, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand("SELECT sealed_key FROM acme_accounts WHERE directory = $1", connection);
        select.Parameters.AddWithValue(directoryUri.AbsoluteUri);
        return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }

    /// <summary>What this node proposes as the fleet's account: its own sealed key file when it has one that opens (an
    /// account from before it joined, with its URL), else a new key sealed here.</summary>
    private async Task<(byte[] Sealed, Uri? Url, string Origin)> OfferAsync(Uri directoryUri, CancellationToken cancellationToken)
    {
        string path = _local.KeyPath(directoryUri);
        if (File.Exists(path))
        {
            byte[] own = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            if (AcmeAccountKeyFile.TryOpen(own, directoryUri, _key, out byte[]? pkcs8) is null)
            {
                CryptographicOperations.ZeroMemory(pkcs8);
                Uri? url = await _local.ReadAccountUrlAsync(directoryUri, cancellationToken).ConfigureAwait(false);
                return (own, url, "this node's own account, now the fleet's");
            }
        }

        using AcmeAccountKey created = AcmeAccountKey.Generate();
        byte[] pkcs8New = created.ExportPkcs8();
        try
        {
            return (AcmeAccountKeyFile.Seal(directoryUri, pkcs8New, _key), null, "created for the fleet");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8New);
        }
    }

    private AcmeAccountKey Open(byte[] sealedKey, Uri directoryUri)
    {
        string? problem = AcmeAccountKeyFile.TryOpen(sealedKey, directoryUri, _key, out byte[]? pkcs8);
        if (problem is not null)
        {
            throw new InvalidDataException($"the fleet's ACME account key (acme_accounts row for {directoryUri.AbsoluteUri}) cannot be used: {problem}");
        }

        try
        {
            return AcmeAccountKey.FromPkcs8(pkcs8!);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException($"the fleet's ACME account key (acme_accounts row for {directoryUri.AbsoluteUri}) cannot be used: {ex.Message}", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }
}
