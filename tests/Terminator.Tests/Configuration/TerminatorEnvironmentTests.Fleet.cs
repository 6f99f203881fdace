using Npgsql;
using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

/// <summary>TERMINATOR_STORE, TERMINATOR_DATABASE_URL and TERMINATOR_DATABASE_URL_FILE.</summary>
public sealed partial class TerminatorEnvironmentTests
{
    private const string FleetKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    [Fact]
    public void TryLoad_StoreDefaultsToTheDirectory()
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(), out TerminatorOptions? options, out string? error), error);
        Assert.Equal(StoreKind.Directory, options.Fleet.Store);
        Assert.Null(options.Fleet.ConnectionString);
    }

    [Theory]
    [InlineData("postgresql://terminator:pa%40ss@db1.internal:6432/fleet?sslmode=verify-full&application_name=edge",
        "db1.internal", 6432, "fleet", "terminator", "pa@ss")]
    [InlineData("postgres://terminator@[::1]/fleet", "::1", 5432, "fleet", "terminator", null)]
    [InlineData("host=db1 port = 5433 dbname=fleet user=terminator password='a b \\'quoted\\''", "db1", 5433, "fleet", "terminator", "a b 'quoted'")]
    [InlineData("Host=db1;Port=5434;Database=fleet;Username=terminator;Password=secret", "db1", 5434, "fleet", "terminator", "secret")]
    public void TryLoad_DatabaseUrl_InEachForm(string url, string host, int port, string database, string user, string? password)
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_STORE", "postgres"), ("TERMINATOR_DATABASE_URL", url), ("TERMINATOR_STORE_KEY", FleetKey)),
            out TerminatorOptions? options, out string? error), error);
        var parsed = new NpgsqlConnectionStringBuilder(options.Fleet.ConnectionString);
        Assert.Equal((host, port, database, user, password), (parsed.Host, parsed.Port, parsed.Database, parsed.Username, parsed.Password));
        Assert.Equal($"{host}:{port}/{database} as {user}", options.Fleet.DatabaseDescription);
        // The options print without the password (a record would print every property).
        Assert.DoesNotContain(password ?? "\0", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_DatabaseUrlFile_KeepsThePasswordOutOfTheEnvironment()
    {
        string file = Path.Combine(_dir.FullName, "database-url");
        File.WriteAllText(file, "postgresql://terminator:from-file@db1/fleet\n");
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_STORE", "postgres"), ("TERMINATOR_DATABASE_URL_FILE", file), ("TERMINATOR_STORE_KEY", FleetKey)),
            out TerminatorOptions? options, out string? error), error);
        Assert.Equal("from-file", new NpgsqlConnectionStringBuilder(options.Fleet.ConnectionString).Password);
        Assert.Equal(file, options.Fleet.ConnectionStringFile);
    }

    [Theory]
    [InlineData(new[] { "TERMINATOR_STORE", "mysql" }, "TERMINATOR_STORE: 'mysql' is not a store (expected directory or postgres)")]
    [InlineData(new[] { "TERMINATOR_STORE", "postgres", "TERMINATOR_STORE_KEY", FleetKey }, "TERMINATOR_DATABASE_URL: required when TERMINATOR_STORE=postgres")]
    [InlineData(new[] { "TERMINATOR_STORE", "postgres", "TERMINATOR_DATABASE_URL", "postgresql://u:hunter2@db/x" }, "TERMINATOR_STORE_KEY: required when TERMINATOR_STORE=postgres")]
    [InlineData(new[] { "TERMINATOR_DATABASE_URL", "postgresql://u:hunter2@db/x", "TERMINATOR_STORE_KEY", FleetKey }, "TERMINATOR_DATABASE_URL: set, but TERMINATOR_STORE is 'directory'")]
    [InlineData(new[] { "TERMINATOR_STORE", "postgres", "TERMINATOR_DATABASE_URL", "postgresql://u:hunter2@/x", "TERMINATOR_STORE_KEY", FleetKey }, "TERMINATOR_DATABASE_URL: names no host")]
    [InlineData(new[] { "TERMINATOR_STORE", "postgres", "TERMINATOR_DATABASE_URL", "postgresql://u:hunter2@db/x?sslpassword=hunter2", "TERMINATOR_STORE_KEY", FleetKey }, "TERMINATOR_DATABASE_URL: parameter 'sslpassword' is not supported")]
    [InlineData(new[] { "TERMINATOR_STORE", "postgres", "TERMINATOR_DATABASE_URL", "Host=db;Pasword=hunter2", "TERMINATOR_STORE_KEY", FleetKey }, "TERMINATOR_DATABASE_URL: not a PostgreSQL connection string (")]
    [InlineData(new[] { "TERMINATOR_STORE", "postgres", "TERMINATOR_DATABASE_URL", "Host=db;Password=hun;hunter2", "TERMINATOR_STORE_KEY", FleetKey }, "TERMINATOR_DATABASE_URL: not a PostgreSQL connection string (Npgsql form")]
    public void TryLoad_FleetMisconfigured_OneLineNamingTheVariable_NeverThePassword(string[] pairs, string expected)
    {
        var values = new List<(string, string?)>();
        for (int i = 0; i < pairs.Length; i += 2)
        {
            values.Add((pairs[i], pairs[i + 1]));
        }

        Assert.False(TerminatorEnvironment.TryLoad(Env([.. values]), out _, out string? error));
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void TryLoad_AcmeOnAFleet_IsAccepted()
    {
        // Shared challenges and order leases (Terminator.Fleet) make ACME safe on several nodes sharing one database.
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_STORE", "postgres"), ("TERMINATOR_DATABASE_URL", "postgresql://u:hunter2@db/x"),
            ("TERMINATOR_STORE_KEY", FleetKey), ("TERMINATOR_ACME", "on")), out TerminatorOptions? options, out string? error), error);
        Assert.True(options.Acme.Enabled);
        Assert.Equal(StoreKind.Postgres, options.Fleet.Store);
    }

    [Fact]
    public void TryLoad_BothDatabaseUrlAndFile_Refused()
    {
        string file = Path.Combine(_dir.FullName, "database-url");
        File.WriteAllText(file, "postgresql://db1/fleet");
        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_STORE", "postgres"), ("TERMINATOR_DATABASE_URL", "postgresql://db1/fleet"),
            ("TERMINATOR_DATABASE_URL_FILE", file), ("TERMINATOR_STORE_KEY", FleetKey)), out _, out string? error));
        Assert.Equal("TERMINATOR_DATABASE_URL_FILE: set together with TERMINATOR_DATABASE_URL; set only one", error);
    }
}
