using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Fleet;
using Terminator.Storage;

namespace Terminator.Daemon;

/// <summary>
/// Every configured certificate source, each followed live by a <see cref="CertificateDirectoryWatcher"/>: the
/// encrypted store (when a key is configured) and the read-only PEM folder TERMINATOR_CERT_DIR (when set). Broken
/// entries are logged with their path and reason and skipped; SIGHUP rescans both. With TERMINATOR_STORE=postgres the
/// store followed is the node's local snapshot of the shared store (<see cref="PostgresStoreNode"/>), which the
/// node's follower keeps in step with the database.
/// </summary>
internal sealed class CertificateSources : IAsyncDisposable
{
    /// <summary>Safety net behind file-system notifications (which can overflow or be unsupported on the mount).</summary>
    private static readonly TimeSpan RescanInterval = TimeSpan.FromSeconds(30);

    private readonly CertificateDirectoryWatcher? _store;
    private readonly CertificateDirectoryWatcher? _folder;
    private readonly PostgresStoreNode? _shared;

    private CertificateSources(CertificateDirectoryWatcher? store, CertificateDirectoryWatcher? folder, PostgresStoreNode? shared)
    {
        _store = store;
        _folder = folder;
        _shared = shared;
    }

    /// <summary>Certificates currently loaded from both sources.</summary>
    public int Count => (_store?.Count ?? 0) + (_folder?.Count ?? 0);

    /// <summary>Loads both sources into <paramref name="certificates"/>. Returns the sources, or a fatal configuration
    /// error (one line, naming the variable) when the store cannot be used at all.</summary>
    public static async Task<(CertificateSources? Sources, string? Fatal)> OpenAsync(TerminatorOptions options, CertificateMap certificates, TerminatorLog log,
        MetricSources? metrics = null)
    {
        CertificateDirectoryWatcher? store = null;
        PostgresStoreNode? shared = null;
        if (options.Fleet.Store == StoreKind.Postgres)
        {
            (shared, string? fatal) = await PostgresStoreNode.OpenAsync(options.Fleet, options.StoreDirectory, options.StoreKey!, log).ConfigureAwait(false);
            if (shared is null)
            {
                return (null, fatal);
            }

            (store, fatal) = await OpenStoreAsync(options, shared.Snapshot.Store, certificates, log).ConfigureAwait(false);
            if (fatal is not null)
            {
                await shared.DisposeAsync().ConfigureAwait(false);
                return (null, fatal);
            }

            if (metrics is not null)
            {
                metrics.StoreSync = shared.Follower.Status;
            }
        }
        else if (options.StoreKey is null)
        {
            if (CheckUnkeyedStore(options.StoreDirectory) is { } unkeyed)
            {
                return (null, unkeyed);
            }
        }
        else
        {
            DirectoryCertificateStore directory;
            try
            {
                directory = new DirectoryCertificateStore(options.StoreDirectory, options.StoreKey);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return (null, $"TERMINATOR_STORE_DIR: cannot create '{options.StoreDirectory}': {ex.Message}");
            }

            (store, string? fatal) = await OpenStoreAsync(options, directory, certificates, log).ConfigureAwait(false);
            if (fatal is not null)
            {
                return (null, fatal);
            }
        }

        CertificateDirectoryWatcher? folder = null;
        if (options.CertDirectory is not null)
        {
            folder = new CertificateDirectoryWatcher(options.CertDirectory, certificates, log, RescanInterval);
            await folder.RescanAsync().ConfigureAwait(false);
        }

        return (new CertificateSources(store, folder, shared), null);
    }

    /// <summary>Starts file-system notifications (after the server listens).</summary>
    public void StartWatching()
    {
        _store?.StartWatching();
        _folder?.StartWatching();
        _shared?.Start();
    }

    /// <summary>SIGHUP: rescans both sources now (each only reloads what changed, plus store entries that failed and
    /// have not changed since, in case what made them fail was fixed without rewriting them); returns what changed in
    /// both, for the one summary line.</summary>
    public async Task<CertificateReloadResult> ReloadAsync()
    {
        CertificateReloadResult store = _store is null ? CertificateReloadResult.Empty : await _store.ForceRescanAsync().ConfigureAwait(false);
        CertificateReloadResult folder = _folder is null ? CertificateReloadResult.Empty : await _folder.ForceRescanAsync().ConfigureAwait(false);
        return new CertificateReloadResult(store.Added + folder.Added, store.Replaced + folder.Replaced, store.Removed + folder.Removed,
            [.. store.Errors, .. folder.Errors]);
    }

    /// <summary>Where certificates come from, for the "nothing usable" message.</summary>
    public static string Describe(TerminatorOptions options) =>
        (options.StoreKey is null ? string.Empty
            : options.Fleet.Store == StoreKind.Postgres ? $"the shared store ({options.Fleet.DatabaseDescription})"
            : $"the store {options.StoreDirectory}")
        + (options.StoreKey is not null && options.CertDirectory is not null ? " or " : string.Empty)
        + (options.CertDirectory is null ? string.Empty : $"TERMINATOR_CERT_DIR {options.CertDirectory}");

    public async ValueTask DisposeAsync()
    {
        // The follower first: it writes into the folder the store's watcher follows.
        if (_shared is not null)
        {
            await _shared.DisposeAsync().ConfigureAwait(false);
        }

        _store?.Dispose();
        _folder?.Dispose();
    }

    private static async Task<(CertificateDirectoryWatcher? Watcher, string? Fatal)> OpenStoreAsync(TerminatorOptions options, DirectoryCertificateStore store,
        CertificateMap certificates, TerminatorLog log)
    {
        StoreKey key = options.StoreKey!;
        if (options.StoreKeyFile is not null && StoreKey.DescribeKeyFilePermissionProblem(options.StoreKeyFile) is { } permission)
        {
            StoreLog.KeyFilePermissions(log.Store, permission);
        }

        var watcher = new CertificateDirectoryWatcher(new StoreCertificateFileSet(store, log.Store), certificates, log, RescanInterval);
        CertificateReloadResult result = await watcher.RescanAsync(logFailures: false).ConfigureAwait(false);
        if (result.Added == 0 && result.Errors.Any(e => e.AuthenticationFailed))
        {
            watcher.Dispose();
            return (null, $"{key.Origin} does not decrypt the store at {store.Directory} ({result.Errors.Count(e => e.AuthenticationFailed)} entries fail authentication; wrong key?)");
        }

        foreach (CertificateLoadError problem in result.Errors)
        {
            StoreLog.EntrySkipped(log.Store, problem.Path, problem.Reason);
        }

        return (watcher, null);
    }

    /// <summary>A store with entries but no key configured would silently serve nothing from it: refuse to start.</summary>
    private static string? CheckUnkeyedStore(string directory)
    {
        int count;
        try
        {
            count = DirectoryCertificateStore.CountEntryFiles(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // unreadable default location and no key: the store is simply not in use
        }

        return count == 0
            ? null
            : $"TERMINATOR_STORE_KEY: not set, but the store at {directory} holds {count} entries (set TERMINATOR_STORE_KEY or TERMINATOR_STORE_KEY_FILE)";
    }
}
