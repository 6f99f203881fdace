using Terminator.Acme;
using Terminator.Admin;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Domains;
using Terminator.Storage;

namespace Terminator.Daemon;

/// <summary>
/// Everything <c>TERMINATOR_ACME=on</c> adds to the daemon: the managed-domain registry (under the store folder), the
/// ACME client with its account key sealed in the store, the challenge table both listeners answer from, the
/// certificate manager that issues and renews, and the admin API the platform drives it through.
/// </summary>
internal sealed class AutomaticHttps : IAsyncDisposable
{
    private readonly ManagedDomainRegistry _registry;
    private readonly AcmeClient _client;
    private readonly AcmePreflight? _preflight;
    private readonly CertificateManager _manager;
    private readonly TerminatorOptions _options;
    private readonly TerminatorLog _log;
    private AdminServer? _admin;

    private AutomaticHttps(TerminatorOptions options, TerminatorLog log, ManagedDomainRegistry registry, AcmeClient client,
        AcmeChallengeTable challenges, AcmePreflight? preflight, CertificateManager manager)
    {
        _options = options;
        _log = log;
        _registry = registry;
        _client = client;
        Challenges = challenges;
        _preflight = preflight;
        _manager = manager;
    }

    /// <summary>The challenges the server's listeners answer (HTTP-01 on port 80, TLS-ALPN-01 on the TLS port).</summary>
    public AcmeChallengeTable Challenges { get; }

    /// <summary>The admin API's address once started (tests read the real port).</summary>
    public System.Net.IPEndPoint? AdminEndPoint => _admin?.EndPoint;

    /// <summary>Opens the registry and the account; no network I/O (the CA may be down: the daemon serves what it has
    /// and the manager retries). Returns null and a one-line problem when the registry cannot be opened.</summary>
    public static async Task<(AutomaticHttps? Https, string? Problem)> OpenAsync(TerminatorOptions options, CertificateMap certificates, TerminatorLog log)
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
            client = await AcmeClient.CreateAsync(clientOptions, new AcmeAccountStore(options.StoreDirectory, key), CancellationToken.None, log).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            await registry.DisposeAsync().ConfigureAwait(false);
            return (null, $"TERMINATOR_ACME: the ACME account key in '{options.StoreDirectory}' cannot be used: {ex.Message}");
        }

        var challenges = new AcmeChallengeTable();
        AcmePreflight? preflight = options.Acme.Preflight ? new AcmePreflight(challenges) : null;
        var store = new DirectoryCertificateStore(options.StoreDirectory, key);
        var manager = new CertificateManager(registry, client, challenges, preflight, store, certificates, options.Acme, log);
        DomainsLog.Loaded(log.Domains, registry.Count, registry.LoadReport.Elapsed.TotalMilliseconds);
        return (new AutomaticHttps(options, log, registry, client, challenges, preflight, manager), null);
    }

    /// <summary>Starts issuing and renewing, and the admin API (after the listeners are up, so challenges can be answered).</summary>
    public void Start()
    {
        _manager.Start();
        if (_options.AdminListen is { } endPoint)
        {
            if (_options.AdminTokenFile is not null && AdminToken.DescribeTokenFilePermissionProblem(_options.AdminTokenFile) is { } permission)
            {
                AdminLog.TokenFilePermissions(_log.Admin, permission);
            }

            _admin = AdminServer.Start(new AdminServerOptions { EndPoint = endPoint, Token = _options.AdminToken }, _registry,
                new AdminCallbacks { DomainRequested = _manager.RequestAsync, PurgeCertificates = _manager.PurgeAsync, RenewRequested = _manager.RenewNowAsync }, _log);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_admin is not null)
        {
            await _admin.DisposeAsync().ConfigureAwait(false);
        }

        await _manager.DisposeAsync().ConfigureAwait(false);
        await _client.DisposeAsync().ConfigureAwait(false);
        _preflight?.Dispose();
        await _registry.DisposeAsync().ConfigureAwait(false);
    }
}
