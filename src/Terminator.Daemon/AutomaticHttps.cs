using Terminator.Acme;
using Terminator.Admin;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Domains;
using Terminator.Fleet;
using Terminator.Storage;

namespace Terminator.Daemon;

/// <summary>
/// Everything <c>TERMINATOR_ACME=on</c> adds to the daemon: the managed-domain registry (under the store folder), the
/// ACME client with its account key sealed in the store, the challenge table both listeners answer from, and the
/// certificate manager that issues and renews. The admin listener (started by the daemon for every node) serves the
/// domains API from <see cref="Registry"/> and <see cref="AdminCallbacks"/> once this is open.
/// </summary>
/// <remarks>
/// On a fleet node (TERMINATOR_STORE=postgres) certificates go into the shared store, challenges are published in the
/// database and answered by every node (<see cref="PostgresChallengeTable"/>), and each order holds the domain's lease
/// (<see cref="PostgresOrderLeases"/>). The managed-domain registry is the node's copy of the fleet's
/// (<see cref="PostgresManagedDomains"/>), whose shared schedule every node follows, and the ACME account is the fleet's
/// (<see cref="PostgresAcmeAccountStore"/>).
/// </remarks>
internal sealed class AutomaticHttps : IAsyncDisposable
{
    private readonly ManagedDomainRegistry _registry;
    private readonly AcmeClient _client;
    private readonly AcmePreflight? _preflight;
    private readonly CertificateManager _manager;
    private readonly PostgresChallengeTable? _shared;
    private readonly PostgresManagedDomains? _sharedDomains;

    private AutomaticHttps(ManagedDomainRegistry registry, AcmeClient client,
        AcmeChallengeTable challenges, AcmePreflight? preflight, CertificateManager manager, PostgresChallengeTable? shared,
        PostgresManagedDomains? sharedDomains)
    {
        _shared = shared;
        _sharedDomains = sharedDomains;
        _registry = registry;
        _client = client;
        Challenges = challenges;
        _preflight = preflight;
        _manager = manager;
    }

    /// <summary>Bound on start-up's reads of the shared registry and account when the database answers slowly.</summary>
    private static readonly TimeSpan SharedStartupTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The challenges the server's listeners answer (HTTP-01 on port 80, TLS-ALPN-01 on the TLS port).</summary>
    public AcmeChallengeTable Challenges { get; }

    /// <summary>The managed domains the admin API's /v1 serves.</summary>
    public ManagedDomainRegistry Registry => _registry;

    /// <summary>What the admin API's /v1 calls into: wake the scheduler, purge certificates, renew now.</summary>
    public AdminCallbacks AdminCallbacks => new()
    {
        DomainRequested = _manager.RequestAsync,
        PurgeCertificates = _manager.PurgeAsync,
        RenewRequested = _manager.RenewNowAsync,
    };

    /// <summary>Opens the registry and the account; no network I/O (the CA may be down: the daemon serves what it has
    /// and the manager retries). Returns null and a one-line problem when the registry cannot be opened.</summary>
    /// <param name="fleet">The shared store node with TERMINATOR_STORE=postgres, else null.</param>
    public static async Task<(AutomaticHttps? Https, string? Problem)> OpenAsync(TerminatorOptions options, CertificateMap certificates, TerminatorLog log,
        PostgresStoreNode? fleet = null)
    {
        ManagedDomainRegistry registry;
        try
        {
            registry = ManagedDomainRegistry.Open(options.DomainsDirectory, log);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return (null, $"TERMINATOR_STORE_DIR: managed domains in '{options.DomainsDirectory}' cannot be opened: {ex.Message}");
        }

        registry.DefaultKeyTypes = options.Acme.KeyTypes switch
        {
            AcmeKeyTypes.Rsa => ManagedKeyTypes.Rsa,
            AcmeKeyTypes.Both => ManagedKeyTypes.Both,
            _ => ManagedKeyTypes.Ecdsa,
        };
        StoreKey key = options.StoreKey!;
        string? holder = null;
        PostgresManagedDomains? sharedDomains = null;
        IAcmeAccountStore accounts = new AcmeAccountStore(options.StoreDirectory, key);
        if (fleet is not null)
        {
            holder = fleet.NodeId; // one id per node: its leases, challenges, domain writes and its row in 'nodes'
            sharedDomains = new PostgresManagedDomains(fleet.Store.Database, registry, holder, log.Fleet);
            registry.AttachShared(sharedDomains);
            using var timeout = new CancellationTokenSource(SharedStartupTimeout);
            try
            {
                await sharedDomains.SyncAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException)
            {
                // Served from this node's copy; the follower syncs once the database answers.
                FleetLog.DomainsFromLocalCopy(log.Fleet, ex is OperationCanceledException ? $"no answer within {SharedStartupTimeout.TotalSeconds:0} s" : ex.Message, registry.Count);
            }

            accounts = new PostgresAcmeAccountStore(fleet.Store.Database, key, (AcmeAccountStore)accounts, holder, log.Fleet);
        }

        var clientOptions = new AcmeClientOptions
        {
            DirectoryUri = options.Acme.Directory,
            AdditionalRootCertificatesPemPath = options.Acme.CaRootFile,
            Email = options.Acme.Email,
            ExternalAccountKeyId = options.Acme.EabKeyId,
            ExternalAccountHmacKey = options.Acme.EabHmacKey,
            ChallengePreference = options.Acme.Challenges,
        };
        AcmeClient client;
        try
        {
            using var timeout = new CancellationTokenSource(SharedStartupTimeout);
            client = await AcmeClient.CreateAsync(clientOptions, accounts, timeout.Token, log).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or OperationCanceledException)
        {
            if (sharedDomains is not null)
            {
                await sharedDomains.DisposeAsync().ConfigureAwait(false);
            }

            await registry.DisposeAsync().ConfigureAwait(false);
            return (null, $"TERMINATOR_ACME: the ACME account key in '{options.StoreDirectory}' cannot be used: {ex.Message}");
        }

        var challenges = new AcmeChallengeTable();
        PostgresChallengeTable? shared = null;
        PostgresOrderLeases? leases = null;
        ICertificateStore store;
        if (fleet is not null)
        {
            shared = new PostgresChallengeTable(fleet.Store.Database, challenges, holder!, log.Fleet);
            leases = new PostgresOrderLeases(fleet.Store.Database, holder!, log.Fleet, options.Fleet.OrderLease);
            store = fleet.Store;
        }
        else
        {
            store = new DirectoryCertificateStore(options.StoreDirectory, key);
        }

        // In a fleet the preflight's probe is published like a challenge: the probe may reach any node.
        AcmePreflight? preflight = options.Acme.Preflight ? new AcmePreflight(challenges, shared: shared) : null;
        var manager = new CertificateManager(registry, client, (IAcmeChallengeResponder?)shared ?? challenges, preflight, store, certificates, options.Acme, log,
            leases: leases, node: holder);
        DomainsLog.Loaded(log.Domains, registry.Count, registry.LoadReport.Elapsed.TotalMilliseconds);
        return (new AutomaticHttps(registry, client, challenges, preflight, manager, shared, sharedDomains), null);
    }

    /// <summary>Starts issuing and renewing (after the listeners are up, so challenges can be answered).</summary>
    public void Start()
    {
        _sharedDomains?.Start();
        _shared?.Start();
        _manager.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _manager.DisposeAsync().ConfigureAwait(false);
        if (_shared is not null)
        {
            await _shared.DisposeAsync().ConfigureAwait(false);
        }

        if (_sharedDomains is not null)
        {
            await _sharedDomains.DisposeAsync().ConfigureAwait(false);
        }

        await _client.DisposeAsync().ConfigureAwait(false);
        _preflight?.Dispose();
        await _registry.DisposeAsync().ConfigureAwait(false);
    }
}
