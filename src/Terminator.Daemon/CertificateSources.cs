using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Storage;

namespace Terminator.Daemon;

/// <summary>
/// Loads every configured certificate source into the map: the encrypted store (when a key is configured) and the
/// read-only PEM folder TERMINATOR_CERT_DIR (when set). Broken entries are logged with their path and skipped.
/// </summary>
internal static class CertificateSources
{
    /// <summary>Loads (or reloads) both sources. Returns the number of certificates loaded, or a fatal configuration
    /// error (one line, naming the variable) when the store cannot be used at all.</summary>
    public static async Task<(int Loaded, string? Fatal)> LoadAsync(TerminatorOptions options, CertificateMap certificates, CertificateDirectoryWatcher? directory, TerminatorLog log)
    {
        var entries = new List<CertificateEntry>();
        string? fatal = options.StoreKey is null
            ? CheckUnkeyedStore(options.StoreDirectory)
            : await LoadStoreAsync(options, entries, log).ConfigureAwait(false);
        if (fatal is not null)
        {
            return (0, fatal);
        }

        certificates.SetAll(entries);
        foreach (CertificateEntry entry in entries)
        {
            if (entry.OcspStaplingProblem is { } problem)
            {
                log.Warn($"certificate {entry.Source}: {problem}");
            }
        }

        if (directory is null)
        {
            return (entries.Count, null);
        }

        // Incremental: only changed files are reloaded; the watcher logs skipped files with their path and reason.
        await directory.RescanAsync().ConfigureAwait(false);
        return (entries.Count + directory.Count, null);
    }

    /// <summary>Where certificates come from, for the "nothing usable" message.</summary>
    public static string Describe(TerminatorOptions options) =>
        (options.StoreKey is null ? string.Empty : $"the store {options.StoreDirectory}")
        + (options.StoreKey is not null && options.CertDirectory is not null ? " or " : string.Empty)
        + (options.CertDirectory is null ? string.Empty : $"TERMINATOR_CERT_DIR {options.CertDirectory}");

    private static async Task<string?> LoadStoreAsync(TerminatorOptions options, List<CertificateEntry> entries, TerminatorLog log)
    {
        StoreKey key = options.StoreKey!;
        if (options.StoreKeyFile is not null && StoreKey.DescribeKeyFilePermissionProblem(options.StoreKeyFile) is { } permission)
        {
            log.Warn($"TERMINATOR_STORE_KEY_FILE: {permission}");
        }

        DirectoryCertificateStore store;
        try
        {
            store = new DirectoryCertificateStore(options.StoreDirectory, key);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"TERMINATOR_STORE_DIR: cannot create '{options.StoreDirectory}': {ex.Message}";
        }

        CertificateStoreLoadResult result;
        try
        {
            result = await store.LoadAllAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"TERMINATOR_STORE_DIR: cannot read '{store.Directory}': {ex.Message}";
        }

        if (result.KeyDecryptsNothing)
        {
            return $"{key.Origin} does not decrypt the store at {store.Directory} ({result.Problems.Count(p => p.AuthenticationFailed)} entries fail authentication; wrong key?)";
        }

        foreach (CertificateStoreProblem problem in result.Problems)
        {
            log.Warn($"store entry skipped: {problem.Location}: {problem.Reason}");
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        foreach (CertificateEntry entry in result.Entries.Where(e => e.IsExpiredAt(now)))
        {
            log.Warn($"certificate: {entry.Source}: outside its validity period ({entry.NotBefore:u} .. {entry.NotAfter:u}); loaded anyway");
        }

        entries.AddRange(result.Entries);
        return null;
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
