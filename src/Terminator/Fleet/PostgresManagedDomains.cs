using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using Terminator.Domains;

namespace Terminator.Fleet;

/// <summary>
/// The fleet's managed-domain registry in the <c>domains</c> table (migration 4), with each node's
/// <see cref="ManagedDomainRegistry"/> as its local copy: writes (the admin API, <c>terminator domains</c>, the
/// certificate manager's schedule) go to the table first, each in one transaction holding the domain's row lock, then
/// the row is applied to the local copy; every other node applies it when its notification arrives. Reads (the admin
/// API's <c>GET</c>, the scheduler) are served from the local copy, which is also what a node starts from when the
/// database is down.
/// </summary>
/// <remarks>
/// <para>Following is <see cref="PostgresStoreFollower"/>'s design on a smaller table: one long-lived connection
/// <c>LISTEN</c>s on <see cref="StoreSchema.DomainChannel"/> ("generation name"), each notification has that one row
/// read and applied, and after every (re)connection and every <see cref="ReconcileInterval"/> the rows with a generation
/// above the last caught up are applied (a removal is a tombstone row, so it is seen that way too).</para>
/// <para>Every apply reads the row as it is now and runs under one gate, so applies happen in the order of their reads
/// and a slow apply of an old version can never overwrite a newer one: the local copy only moves forward.</para>
/// </remarks>
internal sealed partial class PostgresManagedDomains : ISharedManagedDomains, IAsyncDisposable
{
    /// <summary>The safety net's period under the notifications.</summary>
    public static readonly TimeSpan DefaultReconcileInterval = TimeSpan.FromSeconds(30);

    private readonly NpgsqlDataSource _database;
    private readonly ManagedDomainRegistry _local;
    private readonly string _node;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _applyGate = new(1, 1);
    private readonly Channel<string> _notified = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private Task? _applier;
    private long _generation = -1; // the last generation caught up to; -1 = never synced with the database
    private int _connected;

    public PostgresManagedDomains(NpgsqlDataSource database, ManagedDomainRegistry local, string node, ILogger log,
        TimeSpan? reconcileInterval = null, TimeProvider? time = null)
    {
        _database = database;
        _local = local;
        _node = node;
        _log = log;
        _time = time ?? TimeProvider.System;
        ReconcileInterval = reconcileInterval ?? DefaultReconcileInterval;
    }

    /// <summary>How often the rows above the last generation are read when no notification arrives.</summary>
    public TimeSpan ReconcileInterval { get; }

    /// <summary>True while the listening connection is up.</summary>
    public bool IsConnected => Volatile.Read(ref _connected) != 0;

    /// <summary>The last generation caught up to (-1 before the first sync).</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <inheritdoc />
    public async ValueTask<ManagedDomainAddResult> AddOrGetAsync(string name, ManagedKeyTypes? keyTypes, ManagedKeyTypes defaultKeyTypes, CancellationToken cancellationToken)
    {
        try
        {
            // Two nodes adding the same new name race on the INSERT; the loser finds the winner's row the second time.
            for (int attempt = 0; ; attempt++)
            {
                ManagedDomainAddResult? result = await TryAddOrGetAsync(name, keyTypes, defaultKeyTypes, cancellationToken).ConfigureAwait(false);
                if (result is { } done)
                {
                    await ApplyLatestAsync(name, cancellationToken).ConfigureAwait(false);
                    return done;
                }

                if (attempt == 2)
                {
                    throw new IOException($"'{name}' changed under three attempts to add it; try again");
                }
            }
        }
        catch (Exception ex) when (IsDatabaseFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    private async Task<ManagedDomainAddResult?> TryAddOrGetAsync(string name, ManagedKeyTypes? keyTypes, ManagedKeyTypes defaultKeyTypes, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        DomainRow? row = await ReadForUpdateAsync(connection, name, cancellationToken).ConfigureAwait(false);
        DateTimeOffset now = ManagedDomain.Truncate(_time.GetUtcNow());
        ManagedDomainAddResult result;
        if (row is { Removed: false } live)
        {
            if (keyTypes is null || keyTypes == live.Domain.KeyTypes)
            {
                return new ManagedDomainAddResult(live.Domain, ManagedDomainAddStatus.AlreadyManaged);
            }

            ManagedDomain changed = live.Domain with { KeyTypes = keyTypes.Value, Updated = now };
            await WriteAsync(connection, changed, removed: false, insertOnly: false, cancellationToken).ConfigureAwait(false);
            result = new(changed, ManagedDomainAddStatus.KeyTypesChanged);
        }
        else
        {
            // New, or managed again after a removal (its tombstone row is reused).
            var added = new ManagedDomain { Name = name, KeyTypes = keyTypes ?? defaultKeyTypes, Added = now, Updated = now };
            if (!await WriteAsync(connection, added, removed: false, insertOnly: row is null, cancellationToken).ConfigureAwait(false))
            {
                return null; // another node inserted it between our read and our insert
            }

            result = new(added, ManagedDomainAddStatus.Added);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc />
    public async ValueTask<ManagedDomain?> UpdateAsync(string name, Func<ManagedDomain, ManagedDomain> change, CancellationToken cancellationToken)
    {
        ManagedDomain? result;
        try
        {
            await using NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            DomainRow? row = await ReadForUpdateAsync(connection, name, cancellationToken).ConfigureAwait(false);
            if (row is not { Removed: false } live)
            {
                result = null; // not managed (removed by some node meanwhile): an update never brings a domain back
            }
            else if (!ManagedDomainRegistry.TryChange(live.Domain, change, _time.GetUtcNow(), out ManagedDomain? updated))
            {
                result = live.Domain;
            }
            else
            {
                await WriteAsync(connection, updated, removed: false, insertOnly: false, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                result = updated;
            }

            await ApplyLatestAsync(name, cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (Exception ex) when (IsDatabaseFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask<ManagedDomain?> RemoveAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            ManagedDomain? removed = null;
            await using (NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            await using (var remove = new NpgsqlCommand(
                $"UPDATE domains SET removed = true, updated_by = $2 WHERE name = $1 AND NOT removed RETURNING {DomainRow.Columns}", connection))
            {
                remove.Parameters.AddWithValue(name);
                remove.Parameters.AddWithValue(_node);
                await using NpgsqlDataReader reader = await remove.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    removed = DomainRow.TryRead(reader, out _)?.Domain;
                }
            }

            await ApplyLatestAsync(name, cancellationToken).ConfigureAwait(false);
            return removed;
        }
        catch (Exception ex) when (IsDatabaseFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask<ManagedDomain?> RefreshAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await ApplyLatestAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDatabaseFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>Reads <paramref name="name"/>'s row as it is now and applies it to the local copy (under the apply gate,
    /// so the copy only moves forward); returns the live record or null.</summary>
    private async Task<ManagedDomain?> ApplyLatestAsync(string name, CancellationToken cancellationToken)
    {
        await _applyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var select = new NpgsqlCommand($"SELECT {DomainRow.Columns} FROM domains WHERE name = $1", connection);
            select.Parameters.AddWithValue(name);
            await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _local.ApplySharedRemoval(name);
                return null;
            }

            return ApplyUnsynchronized(reader);
        }
        finally
        {
            _applyGate.Release();
        }
    }

    /// <summary>Applies the row at the reader's position; the caller holds the apply gate.</summary>
    private ManagedDomain? ApplyUnsynchronized(NpgsqlDataReader reader)
    {
        DomainRow? row = DomainRow.TryRead(reader, out string? problem);
        if (row is not { } read)
        {
            FleetLog.DomainRowRefused(_log, problem!);
            return null;
        }

        if (read.Removed)
        {
            if (_local.ApplySharedRemoval(read.Domain.Name))
            {
                FleetLog.DomainApplied(_log, read.Domain.Name, read.Generation, "removed");
            }

            return null;
        }

        if (_local.ApplyShared(read.Domain))
        {
            FleetLog.DomainApplied(_log, read.Domain.Name, read.Generation, ManagedDomainNames.Format(read.Domain.State));
        }

        return read.Domain;
    }

    private static async Task<DomainRow?> ReadForUpdateAsync(NpgsqlConnection connection, string name, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand($"SELECT {DomainRow.Columns} FROM domains WHERE name = $1 FOR UPDATE", connection);
        select.Parameters.AddWithValue(name);
        await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return DomainRow.TryRead(reader, out string? problem)
            ?? throw new IOException($"the shared registry holds a row this node cannot read: {problem}");
    }

    /// <summary>Writes the whole row; with <paramref name="insertOnly"/> only when no row exists (false when one did).</summary>
    private async Task<bool> WriteAsync(NpgsqlConnection connection, ManagedDomain domain, bool removed, bool insertOnly, CancellationToken cancellationToken)
    {
        string conflict = insertOnly ? "DO NOTHING" : "DO UPDATE SET " + DomainRow.Assignments;
        await using var write = new NpgsqlCommand(
            $"INSERT INTO domains (name, removed, state, key_types, added_at, updated_at, not_after, next_attempt, last_error, attempts, certificate_ids, issued_by, issued_at, updated_by) " +
            $"VALUES ({DomainRow.Values}) ON CONFLICT (name) {conflict}", connection);
        DomainRow.AddParameters(write, domain.ToStorable(), removed, _node);
        return await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static bool IsDatabaseFailure(Exception ex) => ex is NpgsqlException or SocketException or TimeoutException;

    private static IOException Unavailable(Exception ex) => new($"the fleet's shared registry is unavailable: {ex.Message}", ex);
}
