using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Storage;

namespace Terminator.Daemon;

/// <summary>
/// <c>terminator certs import|list|show|remove</c>: manages the encrypted store named by TERMINATOR_STORE_DIR with the
/// key from TERMINATOR_STORE_KEY / TERMINATOR_STORE_KEY_FILE (the daemon's own variables, and the only ones read). Output is one line per
/// fact, never key material. Exit codes: <see cref="Ok"/>, <see cref="NothingMatched"/>, <see cref="UsageError"/>.
/// </summary>
internal static class CertsCommand
{
    /// <summary>Everything asked for was done.</summary>
    public const int Ok = 0;

    /// <summary>Name not found, nothing listed, or (import) at least one file skipped / nothing importable.</summary>
    public const int NothingMatched = 1;

    /// <summary>Bad usage or configuration (missing or wrong key, bad variable).</summary>
    public const int UsageError = 2;

    private const string Usage = """
        Usage:
          terminator certs import <file or folder>...     PEM, certbot, flat .crt/.key or combined files -> encrypted store
          terminator certs list [--expiring-within 14d]   names, key type, not-after, days left (sorted by not-after)
          terminator certs show <name or id>              issuer, serial, SHA-256 fingerprint, validity (never key material)
          terminator certs remove <name or id>            removes every entry holding that exact name (or that id)

        The store is TERMINATOR_STORE_DIR (default /var/lib/terminator/store), encrypted with TERMINATOR_STORE_KEY or
        TERMINATOR_STORE_KEY_FILE (base64 of 32 random bytes: openssl rand -base64 32), as for the daemon.
        Durations: 14d, 36h, 90m, 3600s.

        Exit codes:
          0  done
          1  not found / nothing matched (list: nothing listed; import: some file skipped or nothing found)
          2  usage or configuration error (e.g. missing key, or the key does not decrypt the store)
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return args.Length == 0 ? UsageError : Ok;
        }

        string? usageProblem = CheckUsage(args, out TimeSpan? expiringWithin);
        if (usageProblem is not null)
        {
            await error.WriteLineAsync($"terminator certs: {usageProblem} (see terminator certs --help)").ConfigureAwait(false);
            return UsageError;
        }

        (DirectoryCertificateStore? store, string? configProblem) = await OpenStoreAsync(error).ConfigureAwait(false);
        if (store is null)
        {
            await error.WriteLineAsync($"terminator certs: {configProblem}").ConfigureAwait(false);
            return UsageError;
        }

        var cli = new CertsCli(store, output, error);
        return args[0] switch
        {
            "import" => await cli.ImportAsync(args[1..]).ConfigureAwait(false),
            "list" => await cli.ListAsync(expiringWithin).ConfigureAwait(false),
            "show" => await cli.ShowAsync(args[1]).ConfigureAwait(false),
            _ => await cli.RemoveAsync(args[1]).ConfigureAwait(false),
        };
    }

    private static string? CheckUsage(string[] args, out TimeSpan? expiringWithin)
    {
        expiringWithin = null;
        switch (args[0])
        {
            case "import":
                return args.Length >= 2 ? null : "import needs at least one file or folder";
            case "show" or "remove":
                return args.Length == 2 ? null : $"{args[0]} needs exactly one name or id";
            case "list":
                if (args.Length == 1)
                {
                    return null;
                }

                string? value = args.Length == 3 && args[1] == "--expiring-within" ? args[2]
                    : args.Length == 2 && args[1].StartsWith("--expiring-within=", StringComparison.Ordinal) ? args[1]["--expiring-within=".Length..]
                    : null;
                if (value is null)
                {
                    return "list accepts only --expiring-within <duration>";
                }

                expiringWithin = ParseDays(value);
                return expiringWithin is null ? $"'{value}' is not a duration (examples: 14d, 36h, 90m)" : null;
            default:
                return $"unknown command '{args[0]}'";
        }
    }

    /// <summary>Parses <c>14d</c>, <c>36h</c>, <c>90m</c>, <c>3600s</c> (or bare days).</summary>
    internal static TimeSpan? ParseDays(string text)
    {
        ReadOnlySpan<char> s = text.Trim();
        char unit = s.Length > 0 && char.IsAsciiLetter(s[^1]) ? char.ToLowerInvariant(s[^1]) : 'd';
        ReadOnlySpan<char> digits = char.IsAsciiLetter(s.IsEmpty ? '0' : s[^1]) ? s[..^1] : s;
        if (digits.IsEmpty || digits.Length > 6 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int amount))
        {
            return null;
        }

        return unit switch
        {
            'd' => TimeSpan.FromDays(amount),
            'h' => TimeSpan.FromHours(amount),
            'm' => TimeSpan.FromMinutes(amount),
            's' => TimeSpan.FromSeconds(amount),
            _ => null,
        };
    }

    private static async Task<(DirectoryCertificateStore? Store, string? Problem)> OpenStoreAsync(TextWriter error)
    {
        // Only the store's own variables: the daemon's listeners, folders and timeouts may not exist (or parse) here.
        if (!TerminatorEnvironment.TryLoadStore(TerminatorEnvironment.ReadProcessEnvironment(), out StoreOptions? options, out string? problem))
        {
            return (null, problem);
        }

        if (options.Key is null)
        {
            return (null, "TERMINATOR_STORE_KEY: not set (set TERMINATOR_STORE_KEY or TERMINATOR_STORE_KEY_FILE to base64 of 32 random bytes)");
        }

        if (options.KeyFile is not null && StoreKey.DescribeKeyFilePermissionProblem(options.KeyFile) is { } permission)
        {
            await error.WriteLineAsync($"warning TERMINATOR_STORE_KEY_FILE: {permission}").ConfigureAwait(false);
        }

        DirectoryCertificateStore store;
        try
        {
            store = new DirectoryCertificateStore(options.Directory, options.Key);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"TERMINATOR_STORE_DIR: cannot create '{options.Directory}': {ex.Message}");
        }

        // Writing entries under a key that cannot read the existing ones would split the store in two: refuse.
        CertificateStoreListing listing = await store.ListAsync().ConfigureAwait(false);
        return listing.KeyDecryptsNothing
            ? (null, $"{options.Key.Origin} does not decrypt the store at {store.Directory} ({listing.Problems.Count} entries fail authentication; wrong key?)")
            : (store, null);
    }

    /// <summary>The sub-commands, over one opened store.</summary>
    private sealed class CertsCli(DirectoryCertificateStore store, TextWriter output, TextWriter error)
    {
        public async Task<int> ImportAsync(string[] paths)
        {
            int imported = 0, skipped = 0;
            foreach (string path in paths)
            {
                var entries = new List<CertificateEntry>();
                var failures = new List<CertificateLoadError>();
                if (Directory.Exists(path))
                {
                    CertificateDirectoryLoadResult result = CertificateLoader.LoadDirectory(path);
                    entries.AddRange(result.Entries);
                    failures.AddRange(result.Errors);
                    foreach (CertificateLoadError warning in result.Warnings)
                    {
                        await output.WriteLineAsync($"warning {warning.Path}: {warning.Reason}").ConfigureAwait(false);
                    }
                }
                else if (File.Exists(path))
                {
                    try
                    {
                        entries.Add(CertificateLoader.LoadFile(path));
                    }
                    catch (CertificateLoadException ex)
                    {
                        failures.Add(new CertificateLoadError(ex.Path, ex.Message));
                    }
                }
                else
                {
                    failures.Add(new CertificateLoadError(path, "no such file or directory"));
                }

                foreach (CertificateLoadError failure in failures)
                {
                    skipped++;
                    await output.WriteLineAsync($"skipped {failure.Path}: {failure.Reason}").ConfigureAwait(false);
                }

                foreach (CertificateEntry entry in entries)
                {
                    StoredCertificateInfo info = await store.PutAsync(entry).ConfigureAwait(false);
                    imported++;
                    await output.WriteLineAsync($"imported {info.Id} [{string.Join(", ", info.Names)}] {info.KeyType}, not after {info.NotAfter:u}, from {entry.Source}").ConfigureAwait(false);
                    entry.Certificate.Dispose();
                }
            }

            await output.WriteLineAsync($"{imported} imported, {skipped} skipped into {store.Directory}").ConfigureAwait(false);
            return imported > 0 && skipped == 0 ? Ok : NothingMatched;
        }

        public async Task<int> ListAsync(TimeSpan? expiringWithin)
        {
            CertificateStoreListing listing = await ReportedListingAsync().ConfigureAwait(false);
            DateTimeOffset now = DateTimeOffset.UtcNow;
            var shown = listing.Entries.Where(e => expiringWithin is null || e.NotAfter <= now + expiringWithin.Value).ToList();
            if (shown.Count == 0)
            {
                await error.WriteLineAsync(expiringWithin is null ? "terminator certs: the store is empty" : "terminator certs: nothing expires within that time").ConfigureAwait(false);
                return NothingMatched;
            }

            int width = Math.Max(5, shown.Max(e => string.Join(',', e.Names).Length));
            await output.WriteLineAsync($"{"NAMES".PadRight(width)}  {"KEY",-12}  {"NOT AFTER (UTC)",-20}  DAYS LEFT").ConfigureAwait(false);
            foreach (StoredCertificateInfo entry in shown)
            {
                await output.WriteLineAsync($"{string.Join(',', entry.Names).PadRight(width)}  {entry.KeyType,-12}  {entry.NotAfter,-20:u}  {DaysLeft(entry, now)}").ConfigureAwait(false);
            }

            return Ok;
        }

        public async Task<int> ShowAsync(string name)
        {
            List<StoredCertificateInfo> matches = await FindAsync(name).ConfigureAwait(false);
            DateTimeOffset now = DateTimeOffset.UtcNow;
            foreach (StoredCertificateInfo entry in matches)
            {
                using X509Certificate2 leaf = X509Certificate2.CreateFromPem(entry.CertificateChainPem);
                await output.WriteLineAsync($"""
                    id:          {entry.Id}
                    names:       {string.Join(", ", entry.Names)}
                    key type:    {entry.KeyType}
                    subject:     {leaf.Subject}
                    issuer:      {leaf.Issuer}
                    serial:      {leaf.SerialNumber}
                    sha256:      {leaf.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}
                    not before:  {entry.NotBefore:u}
                    not after:   {entry.NotAfter:u} ({DaysLeft(entry, now)} days left)
                    stored:      {entry.Created:u} (updated {entry.Updated:u})
                    location:    {entry.Location}
                    """).ConfigureAwait(false);
            }

            return matches.Count > 0 ? Ok : NothingMatched;
        }

        public async Task<int> RemoveAsync(string name)
        {
            List<StoredCertificateInfo> matches = await FindAsync(name).ConfigureAwait(false);
            foreach (StoredCertificateInfo entry in matches)
            {
                bool removed = await store.RemoveAsync(entry.Id).ConfigureAwait(false);
                await output.WriteLineAsync(removed ? $"removed {entry.Id} [{string.Join(", ", entry.Names)}]" : $"already gone: {entry.Id}").ConfigureAwait(false);
            }

            return matches.Count > 0 ? Ok : NothingMatched;
        }

        private async Task<List<StoredCertificateInfo>> FindAsync(string name)
        {
            CertificateStoreListing listing = await ReportedListingAsync().ConfigureAwait(false);
            string wanted = name.Trim().TrimEnd('.').ToLowerInvariant();
            var matches = listing.Entries.Where(e => e.Id == wanted || e.Names.Contains(wanted, StringComparer.Ordinal)).ToList();
            if (matches.Count == 0)
            {
                await error.WriteLineAsync($"terminator certs: no stored certificate for '{name}'").ConfigureAwait(false);
            }

            return matches;
        }

        private async Task<CertificateStoreListing> ReportedListingAsync()
        {
            CertificateStoreListing listing = await store.ListAsync().ConfigureAwait(false);
            foreach (CertificateStoreProblem problem in listing.Problems)
            {
                await error.WriteLineAsync($"skipped {problem.Location}: {problem.Reason}").ConfigureAwait(false);
            }

            return listing;
        }

        private static long DaysLeft(StoredCertificateInfo entry, DateTimeOffset now) => (long)Math.Floor((entry.NotAfter - now).TotalDays);
    }
}
