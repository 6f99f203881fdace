using System.CommandLine;
using Terminator.Configuration;
using Terminator.Fleet;
using Terminator.Storage;

namespace Terminator.Daemon;

/// <summary>
/// <c>terminator certs import|list|show|remove</c>: the command-line surface (arguments, options, help) over the
/// encrypted store named by TERMINATOR_STORE_DIR with the key from TERMINATOR_STORE_KEY / TERMINATOR_STORE_KEY_FILE.
/// Only those three variables are read and validated: the daemon's listeners, folders and timeouts are none of the
/// store's business, and may not exist where the command runs. The sub-commands themselves are <see cref="CertsCli"/>.
/// Exit codes: <see cref="Ok"/>, <see cref="NothingMatched"/>, <see cref="UsageError"/>, <see cref="EntriesUnreadable"/>.
/// </summary>
internal static class CertsCommand
{
    /// <summary>Everything asked for was done.</summary>
    public const int Ok = 0;

    /// <summary>Name not found, nothing listed, or (import) at least one file skipped / nothing importable.</summary>
    public const int NothingMatched = 1;

    /// <summary>Bad usage or configuration (missing or wrong key, bad store variable).</summary>
    public const int UsageError = TerminatorCommandLine.UsageError;

    /// <summary>Some entries cannot be read (tampered, torn, another key), so a listing or a look-up by name may be
    /// incomplete; each is named on stderr with its path, reason and id. Overrides <see cref="Ok"/> and
    /// <see cref="NothingMatched"/>.</summary>
    public const int EntriesUnreadable = 3;

    /// <summary>What every certs help text ends with.</summary>
    public const string HelpFooter = """
        The store is TERMINATOR_STORE_DIR (default /var/lib/terminator/store), encrypted with TERMINATOR_STORE_KEY or
        TERMINATOR_STORE_KEY_FILE (base64 of 32 random bytes: openssl rand -base64 32), as for the daemon. With
        TERMINATOR_STORE=postgres the commands work on the shared store in TERMINATOR_DATABASE_URL (or _FILE), which every
        node follows within a second. No other TERMINATOR_* variable is read. No command prints key material.
        Durations: a whole number with a unit: 500ms, 30s, 5m, 1h, 14d.

        Exit codes:
          0  done
          1  not found / nothing matched (list: nothing listed; import: some file skipped or nothing found)
          2  usage or configuration error (e.g. missing key, or the key does not decrypt the store)
          3  some entries cannot be read (tampered, torn, or under another key): each is named on stderr with its
             path, reason and id, and list, show, or remove by name may be incomplete
        """;

    /// <summary>Longer than any certificate lives; bounds the arithmetic, not the operator.</summary>
    private static readonly TimeSpan MaxExpiringWithin = TimeSpan.FromDays(36_500);

    /// <summary>The <c>certs</c> command and its sub-commands.</summary>
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths")
        {
            Arity = ArgumentArity.OneOrMore,
            Description = "PEM files or folders: certbot live/<name>/, flat <name>.crt + <name>.key pairs, combined chain + key files",
        };
        var import = new Command("import", "Import certificates and their private keys into the encrypted store; one line per imported entry and per skipped file.") { paths };
        import.SetAction((parsed, cancellationToken) => RunAsync(parsed, cli => cli.ImportAsync(parsed.GetValue(paths)!, cancellationToken)));

        var expiringWithin = new Option<TimeSpan?>("--expiring-within")
        {
            Description = $"Only entries whose not-after is at most this far from now ({DurationParser.Syntax}).",
            HelpName = "duration",
            CustomParser = static result =>
            {
                string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
                string? problem = DurationParser.TryParse(text, MaxExpiringWithin, out TimeSpan value);
                if (problem is null)
                {
                    return value;
                }

                result.AddError($"--expiring-within: {problem}");
                return null;
            },
        };
        var list = new Command("list", "Names, key type, not-after and days left of every entry, soonest expiry first.") { expiringWithin };
        list.SetAction((parsed, cancellationToken) => RunAsync(parsed, cli => cli.ListAsync(parsed.GetValue(expiringWithin), cancellationToken)));

        var showName = new Argument<string>("name-or-id")
        {
            Description = "A host name, resolved as a handshake would be (exact name, then the wildcard one label up), a certificate name such as *.example.com, or an entry id.",
        };
        var show = new Command("show", "Issuer, serial, SHA-256 fingerprint, validity and id of the entries serving a name (never key material).") { showName };
        show.SetAction((parsed, cancellationToken) => RunAsync(parsed, cli => cli.ShowAsync(parsed.GetValue(showName)!, cancellationToken)));

        var removeName = new Argument<string>("name-or-id")
        {
            Description = "Every entry holding exactly this name (a wildcard is not removed for a host name under it), or the entry with this id, readable or not.",
        };
        var remove = new Command("remove", "Remove entries from the store; the daemon stops serving them at once.") { removeName };
        remove.SetAction((parsed, cancellationToken) => RunAsync(parsed, cli => cli.RemoveAsync(parsed.GetValue(removeName)!, cancellationToken)));

        return new Command("certs", "Manage the encrypted certificate store (TERMINATOR_STORE_DIR, or the shared store with TERMINATOR_STORE=postgres).") { import, list, show, remove };
    }

    private static async Task<int> RunAsync(ParseResult parsed, Func<CertsCli, Task<int>> command)
    {
        TextWriter output = parsed.InvocationConfiguration.Output;
        TextWriter error = parsed.InvocationConfiguration.Error;
        (ICertificateStore? store, string? keyOrigin, string? problem) = await OpenStoreAsync(error).ConfigureAwait(false);
        if (store is null)
        {
            await error.WriteLineAsync($"terminator certs: {problem}").ConfigureAwait(false);
            return UsageError;
        }

        try
        {
            return await command(new CertsCli(store, keyOrigin!, output, error)).ConfigureAwait(false);
        }
        catch (Npgsql.NpgsqlException ex)
        {
            await error.WriteLineAsync($"terminator certs: {store.Location}: {ex.Message}").ConfigureAwait(false);
            return UsageError;
        }
        finally
        {
            if (store is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<(ICertificateStore? Store, string? KeyOrigin, string? Problem)> OpenStoreAsync(TextWriter error)
    {
        if (!TerminatorEnvironment.TryLoadStore(TerminatorEnvironment.ReadProcessEnvironment(), out StoreOptions? options, out string? problem))
        {
            return (null, null, problem);
        }

        if (options.Key is null)
        {
            return (null, null, "TERMINATOR_STORE_KEY: not set (set TERMINATOR_STORE_KEY or TERMINATOR_STORE_KEY_FILE to base64 of 32 random bytes)");
        }

        if (options.KeyFile is not null && StoreKey.DescribeKeyFilePermissionProblem(options.KeyFile) is { } permission)
        {
            await error.WriteLineAsync($"warning TERMINATOR_STORE_KEY_FILE: {permission}").ConfigureAwait(false);
        }

        if (options.Fleet.Store == StoreKind.Postgres)
        {
            return await OpenSharedStoreAsync(options).ConfigureAwait(false);
        }

        try
        {
            return (new DirectoryCertificateStore(options.Directory, options.Key), options.Key.Origin, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, null, $"TERMINATOR_STORE_DIR: cannot create '{options.Directory}': {ex.Message}");
        }
    }

    /// <summary>The shared store (TERMINATOR_STORE=postgres), its schema migrated as the daemon would (so an import into
    /// an empty database works before any node ran).</summary>
    private static async Task<(ICertificateStore? Store, string? KeyOrigin, string? Problem)> OpenSharedStoreAsync(StoreOptions options)
    {
        FleetOptions fleet = options.Fleet;
        string variable = fleet.ConnectionStringFile is null ? "TERMINATOR_DATABASE_URL" : "TERMINATOR_DATABASE_URL_FILE";
        var store = new PostgresCertificateStore(PostgresCertificateStore.CreateDataSource(fleet.ConnectionString!), fleet.DatabaseDescription ?? "?", options.Key!);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            if (!fleet.Migrate)
            {
                if (await StoreSchema.CheckAsync(store.Database, timeout.Token).ConfigureAwait(false) is { } behind)
                {
                    await store.DisposeAsync().ConfigureAwait(false);
                    return (null, null, $"{variable}: {fleet.DatabaseDescription}: {behind}");
                }
            }
            else
            {
                await StoreSchema.MigrateAsync(store.Database, timeout.Token).ConfigureAwait(false);
            }

            return (store, options.Key!.Origin, null);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or NotSupportedException or OperationCanceledException or TimeoutException)
        {
            await store.DisposeAsync().ConfigureAwait(false);
            string reason = ex is OperationCanceledException ? "no answer within 30 s" : ex.Message;
            return (null, null, $"{variable}: {fleet.DatabaseDescription}: {reason}");
        }
    }
}
