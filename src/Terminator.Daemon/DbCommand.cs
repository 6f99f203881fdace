using System.CommandLine;
using Terminator.Configuration;
using Terminator.Fleet;

namespace Terminator.Daemon;

/// <summary>
/// <c>terminator db migrate</c>: creates or migrates the shared store's schema, for the least-privilege set-up where the
/// nodes run with <c>TERMINATOR_DATABASE_MIGRATE=off</c> under a role that may only read and write rows. Run it as the
/// owner role (its URL in TERMINATOR_DATABASE_URL or _FILE, with TERMINATOR_STORE=postgres) before upgrading the nodes;
/// it needs no store key. Exit 0 when the schema is current, 2 on a configuration or database error.
/// </summary>
internal static class DbCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static Command Create()
    {
        var migrate = new Command("migrate", "Create or migrate the shared store's schema (TERMINATOR_STORE=postgres) as the role in TERMINATOR_DATABASE_URL, which must own it; prints the versions applied.");
        migrate.SetAction((parsed, _) => MigrateAsync(parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error));
        return new Command("db", "The shared store's database (TERMINATOR_STORE=postgres).") { migrate };
    }

    private static async Task<int> MigrateAsync(TextWriter output, TextWriter error)
    {
        if (!TerminatorEnvironment.TryLoadFleet(TerminatorEnvironment.ReadProcessEnvironment(), out FleetOptions? fleet, out string? problem))
        {
            await error.WriteLineAsync($"terminator db migrate: {problem}").ConfigureAwait(false);
            return TerminatorCommandLine.UsageError;
        }

        string variable = fleet.ConnectionStringFile is null ? "TERMINATOR_DATABASE_URL" : "TERMINATOR_DATABASE_URL_FILE";
        await using Npgsql.NpgsqlDataSource database = PostgresCertificateStore.CreateDataSource(fleet.ConnectionString!);
        try
        {
            using var timeout = new CancellationTokenSource(Timeout);
            IReadOnlyList<int> applied = await StoreSchema.MigrateAsync(database, timeout.Token).ConfigureAwait(false);
            await output.WriteLineAsync(applied.Count == 0
                ? $"schema of {fleet.DatabaseDescription} up to date (version {StoreSchema.LatestVersion})"
                : $"schema of {fleet.DatabaseDescription} migrated to version {StoreSchema.LatestVersion}: applied {string.Join(", ", applied)}").ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or NotSupportedException or OperationCanceledException or TimeoutException)
        {
            string reason = ex is OperationCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : ex.Message;
            await error.WriteLineAsync($"terminator db migrate: {variable}: {fleet.DatabaseDescription}: {reason}").ConfigureAwait(false);
            return TerminatorCommandLine.UsageError;
        }
    }
}
