using Microsoft.Extensions.Logging;
using Terminator.Acme;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Domains;
using Terminator.Storage;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Acme;

/// <summary>
/// A <see cref="CertificateManager"/> wired as the daemon wires it (<c>Daemon/AutomaticHttps</c>), over throwaway folders:
/// a registry, an encrypted store served into a map by a store watcher, a challenge table and an ACME client, with a
/// captured log and the clock the test chooses. The manager can be stopped and a new one started over the same
/// folders, with the registry reopened from disk in between (a restart).
/// </summary>
internal sealed class CertificateManagerHarness : IAsyncDisposable
{
    private readonly TempDirectory _root = new("manager");
    private readonly StringWriter _logText = new();
    private readonly CertificateDirectoryWatcher _watcher;
    private readonly AcmeAccountKey _accountKey = AcmeAccountKey.Generate();
    private AcmeClient? _client;

    public CertificateManagerHarness(TimeProvider clock)
    {
        Clock = clock;
        Log = new TerminatorLog(LogLevel.Debug, TextWriter.Synchronized(_logText));
        Key = StoreKey.Generate();
        Store = new DirectoryCertificateStore(Path.Combine(_root.FullName, "store"), Key);
        _watcher = new CertificateDirectoryWatcher(new StoreCertificateFileSet(Store), Map, Log, Timeout.InfiniteTimeSpan);
        Registry = ManagedDomainRegistry.Open(DomainsDirectory, Log, clock);
    }

    public TimeProvider Clock { get; }

    public TerminatorLog Log { get; }

    /// <summary>Everything logged so far (for assertion messages).</summary>
    public string LogText => Log.Flush(TimeSpan.FromSeconds(10)) ? _logText.ToString() : throw new TimeoutException("the log did not flush");

    public string DomainsDirectory => Path.Combine(_root.FullName, "domains");

    public StoreKey Key { get; }

    public DirectoryCertificateStore Store { get; }

    /// <summary>What the node serves; filled from the store by <see cref="ServeStoreAsync"/>.</summary>
    public CertificateMap Map { get; } = new();

    public AcmeChallengeTable Challenges { get; } = new();

    public ManagedDomainRegistry Registry { get; private set; }

    public CertificateManager? Manager { get; private set; }

    /// <summary>Options as the daemon's, but without the preflight and with a generous hourly budget.</summary>
    public static AcmeOptions Options(Uri directory, int concurrency = 4, int ordersPerHour = 1000) => new()
    {
        Enabled = true,
        Directory = directory,
        Preflight = false,
        Concurrency = concurrency,
        OrdersPerHour = ordersPerHour,
    };

    /// <summary>Creates an ACME client for <paramref name="directory"/> (the same account key every time) and a manager, and
    /// starts it.</summary>
    public CertificateManager StartManager(Uri directory, AcmeOptions? options = null, AcmePreflight? preflight = null,
        Func<AcmeClientOptions, AcmeClientOptions>? client = null, IOrderLeases? leases = null)
    {
        if (Manager is not null)
        {
            throw new InvalidOperationException("a manager is running: stop it first");
        }

        var clientOptions = new AcmeClientOptions
        {
            DirectoryUri = directory,
            RequestTimeout = TimeSpan.FromSeconds(10),
            PollInterval = TimeSpan.FromMilliseconds(20),
            MaxPollInterval = TimeSpan.FromMilliseconds(200),
            ValidationTimeout = TimeSpan.FromSeconds(60),
            OrderTimeout = TimeSpan.FromSeconds(60),
        };
        clientOptions = client?.Invoke(clientOptions) ?? clientOptions;
        // The client's polls run on real time: the test clock drives the manager's schedule only.
        _client = AcmeClient.Create(clientOptions, _accountKey, ownsKey: false, store: null, handler: null, TimeProvider.System, Log);
        Manager = new CertificateManager(Registry, _client, Challenges, preflight, Store, Map, options ?? Options(directory), Log, Clock, leases);
        Manager.Start();
        return Manager;
    }

    /// <summary>Stops the manager (what a daemon's shutdown does) and its client.</summary>
    public async Task StopManagerAsync()
    {
        if (Manager is not null)
        {
            await Manager.DisposeAsync();
            Manager = null;
        }

        if (_client is not null)
        {
            await _client.DisposeAsync();
            _client = null;
        }
    }

    /// <summary>Closes the registry and opens it again from its folder (the manager must be stopped).</summary>
    public async Task ReopenRegistryAsync()
    {
        await Registry.DisposeAsync();
        Registry = ManagedDomainRegistry.Open(DomainsDirectory, Log, Clock);
    }

    /// <summary>The record of a managed domain; throws when it is not managed.</summary>
    public ManagedDomain Domain(string name) =>
        Registry.TryGet(name, out ManagedDomain? domain) ? domain : throw new InvalidOperationException($"{name} is not managed");

    /// <summary>Loads the store's entries into <see cref="Map"/>, as the daemon's store watcher does.</summary>
    public Task<CertificateReloadResult> ServeStoreAsync() => _watcher.RescanAsync();

    /// <summary>The ids of the entries in the store now.</summary>
    public async Task<List<string>> StoredIdsAsync()
    {
        CertificateStoreListing listing = await Store.ListAsync();
        Assert.Empty(listing.Problems);
        return [.. listing.Entries.Select(e => e.Id).Order(StringComparer.Ordinal)];
    }

    public async ValueTask DisposeAsync()
    {
        await StopManagerAsync();
        await Registry.DisposeAsync();
        _watcher.Dispose();
        _accountKey.Dispose();
        Key.Dispose();
        _root.Dispose();
    }
}
