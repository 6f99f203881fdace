using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;
using Terminator.Acme;

namespace Terminator.Fleet;

/// <summary>
/// ACME challenges shared by a fleet: a node publishes each challenge in the <c>challenges</c> table before the CA is
/// told to validate, and every node answers it from its own <see cref="AcmeChallengeTable"/>, whichever node the CA's
/// validation reaches. The listeners never touch the database: the local table is a mirror kept by one long-lived
/// connection that <c>LISTEN</c>s on <see cref="StoreSchema.ChallengeChannel"/> (each notification carries the whole
/// challenge, so nothing is fetched), reloads every live row on each (re)connection and every
/// <see cref="ReconcileInterval"/>, and reconnects with backoff like <see cref="PostgresStoreFollower"/>.
/// </summary>
/// <remarks>
/// <para>Only the key authorization is stored: HTTP-01 serves it to anyone who asks (it is not a secret), and a
/// TLS-ALPN-01 certificate only has to carry its SHA-256 under the domain's name, so each node builds its own throwaway
/// certificate (key generated in memory, never stored). There is no key in the table, clear or sealed.</para>
/// <para>No lookup on a miss: <see cref="AcmeChallengeTable"/> answers from the request and ClientHello paths, which are
/// synchronous and never wait. Instead <see cref="PresentAsync"/> returns (and the CA is told to validate) only once this
/// node's own listening connection has received the challenge's notification (bounded by
/// <see cref="PropagationWait"/>), and then <see cref="PropagationSettle"/> more: notifications go to every listening
/// session at commit, so by then every connected node has it or is still taking it in (a CI run saw the CA reach another
/// node 20 ms before that node had put it in its table: a 404, and the order failed); a node that was disconnected picks
/// it up on reconnection.</para>
/// </remarks>
internal sealed class PostgresChallengeTable : IAcmeChallengeResponder, IAsyncDisposable
{
    /// <summary>How long a published challenge stays answerable if its order never cleans up (a node that died
    /// mid-order): longer than any validation, short enough that the table does not grow.</summary>
    public static readonly TimeSpan ChallengeLifetime = TimeSpan.FromHours(1);

    /// <summary>The most <see cref="PresentAsync"/> waits for its own notification before going ahead anyway.</summary>
    public static readonly TimeSpan PropagationWait = TimeSpan.FromSeconds(2);

    /// <summary>How long <see cref="PresentAsync"/> still waits after its own notification arrived, for the other nodes'
    /// to arrive and be applied: their delivery is not acknowledged anywhere, and an order takes seconds anyway.</summary>
    public static readonly TimeSpan PropagationSettle = TimeSpan.FromMilliseconds(500);


    private readonly NpgsqlDataSource _database;
    private readonly AcmeChallengeTable _local;
    private readonly ILogger _log;
    private readonly string _node;

    // What this node answers from the database, by "kind name": the key authorization. Presented challenges are in it
    // too, so their own notification changes nothing.
    private readonly ConcurrentDictionary<string, string> _mirror = new(StringComparer.Ordinal);

    // Challenges whose notification PresentAsync is waiting for, by "kind name key-authorization".
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _awaited = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private int _connected;

    public PostgresChallengeTable(NpgsqlDataSource database, AcmeChallengeTable local, string node, ILogger log, TimeSpan? reconcileInterval = null)
    {
        _database = database;
        _local = local;
        _node = node;
        _log = log;
        ReconcileInterval = reconcileInterval ?? TimeSpan.FromSeconds(5);
    }

    /// <summary>How often every live row is read again, the safety net under the notifications (the table holds only the
    /// challenges of orders in flight, so this is a small read).</summary>
    public TimeSpan ReconcileInterval { get; }

    /// <summary>The local table the listeners answer from.</summary>
    public AcmeChallengeTable Local => _local;

    /// <summary>True while the listening connection is up (tests, diagnostics).</summary>
    public bool IsConnected => Volatile.Read(ref _connected) != 0;

    /// <summary>Starts mirroring the table (before the certificate manager's first order).</summary>
    public void Start() => _loop ??= Task.Run(() => RunAsync(_stopping.Token));

    /// <inheritdoc />
    public async ValueTask PresentAsync(AcmeChallengeResponse challenge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        string name = NameOf(challenge);
        _mirror[Key(challenge.Type, name)] = challenge.KeyAuthorization;
        await _local.PresentAsync(challenge, cancellationToken).ConfigureAwait(false);

        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string awaited = Key(challenge.Type, name) + " " + challenge.KeyAuthorization;
        bool waiting = IsConnected && _awaited.TryAdd(awaited, seen);
        try
        {
            await using (NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            {
                await using var upsert = new NpgsqlCommand("""
                    INSERT INTO challenges (kind, name, key_authorization, expires_at, created_by) VALUES ($1, $2, $3, now() + $4, $5)
                    ON CONFLICT (kind, name) DO UPDATE SET key_authorization = EXCLUDED.key_authorization,
                        expires_at = EXCLUDED.expires_at, created_by = EXCLUDED.created_by
                    """, connection);
                upsert.Parameters.AddWithValue(challenge.Type);
                upsert.Parameters.AddWithValue(name);
                upsert.Parameters.AddWithValue(challenge.KeyAuthorization);
                upsert.Parameters.AddWithValue(ChallengeLifetime);
                upsert.Parameters.AddWithValue(_node);
                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (waiting)
            {
                try
                {
                    await seen.Task.WaitAsync(PropagationWait, cancellationToken).ConfigureAwait(false);
                    await Task.Delay(PropagationSettle, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    FleetLog.ChallengeNotSeen(_log, challenge.Type, challenge.Domain, (long)PropagationWait.TotalMilliseconds);
                }
            }

            FleetLog.ChallengePublished(_log, challenge.Type, challenge.Domain);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException)
        {
            // Transient like an unreachable CA: the order fails before the CA is asked anything, and is retried with backoff.
            throw new AcmeTransportException($"the challenge could not be published to the fleet's database: {ex.Message}", ex);
        }
        finally
        {
            if (waiting)
            {
                _awaited.TryRemove(awaited, out _);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask CleanupAsync(AcmeChallengeResponse challenge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        string name = NameOf(challenge);
        _mirror.TryRemove(new KeyValuePair<string, string>(Key(challenge.Type, name), challenge.KeyAuthorization));
        await _local.CleanupAsync(challenge, cancellationToken).ConfigureAwait(false);
        await using NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // Only this challenge's row: a newer order for the same domain may have replaced a TLS-ALPN-01 row meanwhile.
        await using var delete = new NpgsqlCommand("DELETE FROM challenges WHERE kind = $1 AND name = $2 AND key_authorization = $3", connection);
        delete.Parameters.AddWithValue(challenge.Type);
        delete.Parameters.AddWithValue(name);
        delete.Parameters.AddWithValue(challenge.KeyAuthorization);
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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

    private static string NameOf(AcmeChallengeResponse challenge) =>
        challenge.Type == AcmeChallengeTypes.TlsAlpn01 ? challenge.Domain : challenge.Token;

    private static string Key(string kind, string name) => kind + " " + name;

    private Task RunAsync(CancellationToken stopping) => DatabaseReconnectBackoff.FollowUntilStoppedAsync(FollowAsync, (ex, first) =>
    {
        Volatile.Write(ref _connected, 0);
        if (first)
        {
            FleetLog.ChallengeConnectionLost(_log, ex.Message);
        }
    }, stopping);

    private async Task FollowAsync(Action onConnected, CancellationToken stopping)
    {
        // Applied on the connection's reading thread: a few dictionary writes, and a certificate built for TLS-ALPN-01.
        await using NpgsqlConnection connection = await ListeningConnection.OpenAsync(_database, StoreSchema.ChallengeChannel, Apply, stopping)
            .ConfigureAwait(false);
        await ReloadAsync(connection, stopping).ConfigureAwait(false);
        Volatile.Write(ref _connected, 1);
        onConnected();
        while (true)
        {
            if (!await connection.WaitAsync(ReconcileInterval, stopping).ConfigureAwait(false))
            {
                await ReloadAsync(connection, stopping).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Makes the mirror exactly the live rows (expired rows are deleted on the way: any node may do it).</summary>
    private async Task ReloadAsync(NpgsqlConnection connection, CancellationToken stopping)
    {
        await using (var expire = new NpgsqlCommand("DELETE FROM challenges WHERE expires_at < now()", connection))
        {
            await expire.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
        }

        var live = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var select = new NpgsqlCommand("SELECT kind, name, key_authorization FROM challenges WHERE expires_at >= now()", connection))
        await using (NpgsqlDataReader reader = await select.ExecuteReaderAsync(stopping).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(stopping).ConfigureAwait(false))
            {
                live[Key(reader.GetString(0), reader.GetString(1))] = reader.GetString(2);
            }
        }

        foreach ((string key, string keyAuthorization) in live)
        {
            int space = key.IndexOf(' ', StringComparison.Ordinal);
            Add(key[..space], key[(space + 1)..], keyAuthorization);
        }

        foreach ((string key, string keyAuthorization) in _mirror)
        {
            if (!live.ContainsKey(key))
            {
                int space = key.IndexOf(' ', StringComparison.Ordinal);
                Remove(key[..space], key[(space + 1)..], keyAuthorization);
            }
        }
    }

    private void Apply(string payload)
    {
        string[] fields = payload.Split(' ');
        if (fields.Length != 4)
        {
            return;
        }

        if (fields[0] == "+")
        {
            Add(fields[1], fields[2], fields[3]);
        }
        else
        {
            Remove(fields[1], fields[2], fields[3]);
        }

        if (_awaited.TryGetValue(fields[1] + " " + fields[2] + " " + fields[3], out TaskCompletionSource? seen))
        {
            seen.TrySetResult();
        }
    }

    private void Add(string kind, string name, string keyAuthorization)
    {
        string key = Key(kind, name);
        if (_mirror.TryGetValue(key, out string? current) && current == keyAuthorization)
        {
            return; // already answered (presented here, or applied before)
        }

        if (kind == AcmeChallengeTypes.Http01)
        {
            _local.AddHttp01(name, keyAuthorization);
        }
        else if (kind == AcmeChallengeTypes.TlsAlpn01)
        {
            // Built here, with a key of this node's: the validator checks the name and the key authorization's digest.
            // Not disposed when replaced: a handshake may still be using it (the finalizer frees it).
            _local.AddTlsAlpn01(name, AcmeTlsAlpnCertificate.Create(name, keyAuthorization));
        }
        else
        {
            return;
        }

        _mirror[key] = keyAuthorization;
        FleetLog.ChallengeMirrored(_log, kind, name);
    }

    private void Remove(string kind, string name, string keyAuthorization)
    {
        if (!_mirror.TryRemove(new KeyValuePair<string, string>(Key(kind, name), keyAuthorization)))
        {
            return; // not ours, or already replaced by a newer challenge for the same name
        }

        if (kind == AcmeChallengeTypes.Http01)
        {
            _local.RemoveHttp01(name);
        }
        else
        {
            _local.RemoveTlsAlpn01(name);
        }
    }
}
