using Npgsql;
using Terminator.Admin;
using Terminator.Acme;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Fleet;
using Terminator.Storage;
using Terminator.Tests.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Fleet;

/// <summary>Least privilege: an owner role migrates (<c>terminator db migrate</c>), the nodes' role only reads and writes
/// rows (TERMINATOR_DATABASE_MIGRATE=off) and a node refuses to start on a schema behind its build.</summary>
public sealed partial class FleetDaemonTests
{
    [PostgresFact]
    public async Task LeastPrivilege_OwnerMigrates_NodeRoleOnlyReadsAndWritesRows_AndANodeRefusesASchemaBehind()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        string database = await cluster.CreateDatabaseAsync();
        string owner = "own_" + database, node = "edge_" + database;
        // The README's "Running a fleet" least-privilege set-up, statement for statement (trust authentication here: the
        // passwords are accepted and unused).
        await cluster.ExecuteAsync($"CREATE ROLE {owner} LOGIN PASSWORD 'unused-owner'");
        await cluster.ExecuteAsync($"CREATE ROLE {node} LOGIN PASSWORD 'unused-node'");
        foreach (string statement in LeastPrivilegeGrants(database, owner, node))
        {
            await cluster.ExecuteAsync(statement, database);
        }

        string UrlOf(string role) => $"postgresql://{role}@127.0.0.1:{cluster.Port}/{database}";
        Dictionary<string, string> NodeEnv(string name)
        {
            Dictionary<string, string> environment = Env(cluster, database, name);
            environment["TERMINATOR_DATABASE_URL"] = UrlOf(node);
            environment["TERMINATOR_DATABASE_MIGRATE"] = "off";
            return environment;
        }

        // Nothing migrated yet: a node that may not migrate says what to do, and the nodes' role cannot migrate.
        (PostgresStoreNode? refused, string? fatal) = await InProcessFleetNode.OpenAsync(Path.Combine(_root.FullName, "early"), StoreKey.FromBytes(_keyBytes),
            NpgsqlConnectionString(cluster, database, node), database, TerminatorLog.Silent, migrate: false);
        Assert.Null(refused);
        Assert.Contains("the database has no Terminator schema", fatal, StringComparison.Ordinal);
        Assert.Contains("run 'terminator db migrate' as the owner role", fatal, StringComparison.Ordinal);
        var byNode = await DbCliRunAsync(new Dictionary<string, string> { ["TERMINATOR_STORE"] = "postgres", ["TERMINATOR_DATABASE_URL"] = UrlOf(node) }, "migrate");
        Assert.Equal(2, byNode.ExitCode);
        Assert.Contains("permission denied for schema terminator", byNode.Stderr, StringComparison.Ordinal);

        // The owner migrates (no store key needed); a second run has nothing to do.
        var ownerEnv = new Dictionary<string, string> { ["TERMINATOR_STORE"] = "postgres", ["TERMINATOR_DATABASE_URL"] = UrlOf(owner) };
        var migrated = await DbCliRunAsync(ownerEnv, "migrate");
        Assert.True(migrated.ExitCode == 0, migrated.Stdout + migrated.Stderr);
        Assert.Contains($"migrated to version {StoreSchema.LatestVersion}: applied {string.Join(", ", StoreSchema.Migrations.Select(m => m.Version))}", migrated.Stdout, StringComparison.Ordinal);
        Assert.Contains("up to date", (await DbCliRunAsync(ownerEnv, "migrate")).Stdout, StringComparison.Ordinal);

        // A node under the nodes' role runs everything a node does: store writes (the triggers draw generations),
        // heartbeats, pruning, the fleet view, order leases; and a migration with nothing to do runs no DDL.
        var map = new CertificateMap();
        string nodeConnection = NpgsqlConnectionString(cluster, database, node);
        await using (InProcessFleetNode edge = await InProcessFleetNode.StartAsync(Path.Combine(_root.FullName, "edge"), StoreKey.FromBytes(_keyBytes), nodeConnection, database,
            map, TerminatorLog.Silent, migrate: false))
        {
            // Not a propagation-time test: generous bounds for a loaded host (the follower connects, then the watcher reacts).
            Assert.True(await Eventually.TrueAsync(() => edge.Status.Connected, TimeSpan.FromSeconds(20)));
            StoredCertificateInfo stored = await edge.Node.Store.PutAsync(Entry("least.privilege.test"));
            Assert.True(await Eventually.TrueAsync(() => map.TryGet("least.privilege.test", out _), TimeSpan.FromSeconds(20)));
            Assert.True(await edge.Node.Store.RemoveAsync(stored.Id));
            await edge.Node.Heartbeat.BeatAsync(CancellationToken.None);
            Assert.True((await new TombstonePruner(edge.Node.Store.Database).PruneAsync(CancellationToken.None)).Ran);
            (FleetResource? view, string? unavailable) = await edge.Node.View.GetAsync(null, 10, CancellationToken.None);
            Assert.True(view is not null, unavailable);
            Assert.Equal(edge.Node.NodeId, Assert.Single(view.Nodes).Id);
            var leases = new PostgresOrderLeases(edge.Node.Store.Database, edge.Node.NodeId, TerminatorLog.Silent.Fleet);
            IOrderLease? lease = await leases.TryTakeAsync("least.privilege.test", DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.NotNull(lease);
            await lease.DisposeAsync();
            Assert.Empty(await StoreSchema.MigrateAsync(edge.Node.Store.Database, CancellationToken.None));

            await using var attempt = new NpgsqlConnection(nodeConnection);
            await attempt.OpenAsync();
            foreach (string ddl in new[] { "CREATE TABLE terminator.escape (x int)", "CREATE TABLE public.escape (x int)", "DROP TABLE certificates" })
            {
                await using var command = new NpgsqlCommand(ddl, attempt);
                PostgresException denied = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
            }
        }

        // A build newer than the schema (here: the schema as if migration 6 had not run) refuses to start: exit 2, one line.
        await cluster.ExecuteAsync($"DELETE FROM terminator.schema_version WHERE version = {StoreSchema.LatestVersion}", database);
        await using DaemonProcess behind = DaemonProcess.Start(null, NodeEnv("behind"));
        Assert.Equal(2, await behind.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        string line = Assert.Single(behind.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("terminator: ", StringComparison.Ordinal));
        output.WriteLine(line);
        Assert.Equal($"terminator: TERMINATOR_DATABASE_URL: 127.0.0.1:{cluster.Port}/{database} as {node}: the database schema is behind this build (missing version " +
            $"{StoreSchema.LatestVersion}; this build's latest is {StoreSchema.LatestVersion}) and TERMINATOR_DATABASE_MIGRATE=off: run 'terminator db migrate' as the owner role", line);
    }

    [PostgresFact]
    public async Task DatabaseUrlFileReadableByOthers_IsWarnedAtStart_AsTheKeyFileIs()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        string database = await cluster.CreateDatabaseAsync();
        string file = Path.Combine(_root.FullName, "database-url");
        File.WriteAllText(file, "unused: the options below carry the parsed value");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using var logOutput = new StringWriter();
        using var log = new TerminatorLog(Microsoft.Extensions.Logging.LogLevel.Information, TextWriter.Synchronized(logOutput));
        var fleet = new FleetOptions
        {
            Store = StoreKind.Postgres, ConnectionString = cluster.ConnectionString(database), ConnectionStringFile = file, DatabaseDescription = database,
        };
        (PostgresStoreNode? opened, string? fatal) = await PostgresStoreNode.OpenAsync(fleet, Path.Combine(_root.FullName, "url-file"), StoreKey.FromBytes(_keyBytes), log);
        Assert.True(opened is not null, fatal);
        await opened.DisposeAsync();
        log.Flush(TimeSpan.FromSeconds(2));
        Assert.Contains($"TERMINATOR_DATABASE_URL_FILE: database URL file '{file}' is accessible by group or others (mode 644); restrict it (chmod 600)",
            logOutput.ToString(), StringComparison.Ordinal);

        // Mode 600: no warning.
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var quietOutput = new StringWriter();
        using var quiet = new TerminatorLog(Microsoft.Extensions.Logging.LogLevel.Information, TextWriter.Synchronized(quietOutput));
        (opened, fatal) = await PostgresStoreNode.OpenAsync(fleet, Path.Combine(_root.FullName, "url-file"), StoreKey.FromBytes(_keyBytes), quiet);
        Assert.True(opened is not null, fatal);
        await opened.DisposeAsync();
        quiet.Flush(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain("TERMINATOR_DATABASE_URL_FILE", quietOutput.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The README's statements (run as a superuser, connected to the fleet's database).</summary>
    private static string[] LeastPrivilegeGrants(string database, string owner, string node) =>
    [
        $"REVOKE ALL ON DATABASE {database} FROM PUBLIC",
        $"GRANT CONNECT ON DATABASE {database} TO {owner}, {node}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        $"CREATE SCHEMA terminator AUTHORIZATION {owner}",
        $"GRANT USAGE ON SCHEMA terminator TO {node}",
        $"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA terminator GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {node}",
        $"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA terminator GRANT USAGE ON SEQUENCES TO {node}",
        $"ALTER ROLE {owner} IN DATABASE {database} SET search_path = terminator",
        $"ALTER ROLE {node} IN DATABASE {database} SET search_path = terminator",
    ];

    private static string NpgsqlConnectionString(PostgresCluster cluster, string database, string role) =>
        cluster.ConnectionString(database).Replace("Username=postgres", $"Username={role}", StringComparison.Ordinal);

    private static Task<(int ExitCode, string Stdout, string Stderr)> DbCliRunAsync(IDictionary<string, string> environment, params string[] arguments) =>
        ToolProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "terminator.dll"), "db", .. arguments], TimeSpan.FromSeconds(30),
            configure: info => ToolProcess.UseTerminatorEnvironment(info, environment));
}
