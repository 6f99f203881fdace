using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Terminator.Acme;
using Terminator.Configuration;
using Terminator.Fleet;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Fleet;

/// <summary>The fleet's ACME account: created once however many nodes start together, sealed under the store key in the
/// database (never in clear), kept by each node as a copy it starts from when the database is down.</summary>
public sealed class PostgresAcmeAccountStoreTests(PostgresClusterFixture fixture) : IClassFixture<PostgresClusterFixture>, IDisposable
{
    private static readonly Uri s_directory = new("https://acme.ca.test/directory");

    private readonly TempDirectory _root = new("fleet-account");
    private readonly StoreKey _key = StoreKey.FromBytes(RandomNumberGenerator.GetBytes(32), "test key");

    public void Dispose()
    {
        _key.Dispose();
        _root.Dispose();
    }

    [PostgresFact]
    public async Task EightNodesStartingTogether_UseOneAccountKey_SealedInTheDatabase()
    {
        await using NpgsqlDataSource database = await DatabaseAsync();
        PostgresAcmeAccountStore[] nodes = Enumerable.Range(0, 8).Select(i => Node(database, $"n{i}")).ToArray();
        AcmeAccountKey[] keys = await Task.WhenAll(nodes.Select(n => Task.Run(() => n.LoadOrCreateKeyAsync(s_directory, CancellationToken.None))));
        try
        {
            Assert.Single(keys.Select(k => k.Thumbprint).Distinct());

            await using NpgsqlConnection connection = await database.OpenConnectionAsync();
            await using var row = new NpgsqlCommand("SELECT count(*) OVER (), sealed_key FROM acme_accounts", connection);
            await using NpgsqlDataReader reader = await row.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(1L, reader.GetInt64(0));
            byte[] sealedKey = reader.GetFieldValue<byte[]>(1);

            // The same sealing as the key file: it opens under the store key only, and the clear PKCS#8 is nowhere in it.
            byte[] pkcs8 = keys[0].ExportPkcs8();
            Assert.Equal(-1, sealedKey.AsSpan().IndexOf(pkcs8.AsSpan(pkcs8.Length - 32)));
            Assert.Null(AcmeAccountKeyFile.TryOpen(sealedKey, s_directory, _key, out byte[]? opened));
            Assert.Equal(pkcs8, opened);
            using var other = StoreKey.FromBytes(RandomNumberGenerator.GetBytes(32), "other key");
            Assert.Contains("authentication failed", AcmeAccountKeyFile.TryOpen(sealedKey, s_directory, other, out _), StringComparison.Ordinal);

            // Each node keeps the fleet's sealed key as its copy.
            for (int i = 0; i < nodes.Length; i++)
            {
                Assert.Equal(sealedKey, await File.ReadAllBytesAsync(new AcmeAccountStore(Path.Combine(_root.FullName, $"n{i}"), _key).KeyPath(s_directory)));
            }

            // A node with another store key is refused, never handed a new account.
            var wrong = new PostgresAcmeAccountStore(database, other, new AcmeAccountStore(Path.Combine(_root.FullName, "wrong"), other), "wrong", NullLogger.Instance);
            await Assert.ThrowsAsync<InvalidDataException>(() => wrong.LoadOrCreateKeyAsync(s_directory, CancellationToken.None));
        }
        finally
        {
            foreach (AcmeAccountKey key in keys)
            {
                key.Dispose();
            }
        }
    }

    [PostgresFact]
    public async Task ANodesOwnAccount_BecomesTheFleets_WhenNoneExists_WithItsUrl()
    {
        await using NpgsqlDataSource database = await DatabaseAsync();
        var own = new AcmeAccountStore(Path.Combine(_root.FullName, "veteran"), _key);
        using AcmeAccountKey before = await own.LoadOrCreateKeyAsync(s_directory, CancellationToken.None);
        own.SaveAccountUrl(s_directory, new Uri("https://acme.ca.test/acct/7"));

        using AcmeAccountKey shared = await Node(database, "veteran").LoadOrCreateKeyAsync(s_directory, CancellationToken.None);
        Assert.Equal(before.Thumbprint, shared.Thumbprint);
        using AcmeAccountKey onAnother = await Node(database, "newcomer").LoadOrCreateKeyAsync(s_directory, CancellationToken.None);
        Assert.Equal(before.Thumbprint, onAnother.Thumbprint);
        Assert.Equal(new Uri("https://acme.ca.test/acct/7"), await Node(database, "newcomer").ReadAccountUrlAsync(s_directory, CancellationToken.None));

        await Node(database, "newcomer").SaveAccountUrlAsync(s_directory, new Uri("https://acme.ca.test/acct/8"), CancellationToken.None);
        Assert.Equal(new Uri("https://acme.ca.test/acct/8"), await Node(database, "veteran").ReadAccountUrlAsync(s_directory, CancellationToken.None));
    }

    [PostgresFact]
    public async Task DatabaseUnreachable_ANodeUsesItsCopy_AndWithoutOneRefusesToInventAnAccount()
    {
        await using NpgsqlDataSource database = await DatabaseAsync();
        using AcmeAccountKey fleet = await Node(database, "a").LoadOrCreateKeyAsync(s_directory, CancellationToken.None);

        int closed = LoopbackPorts.Reserve();
        await using NpgsqlDataSource unreachable = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={closed};Username=nobody;Database=none;Timeout=2");
        using AcmeAccountKey offline = await Node(unreachable, "a").LoadOrCreateKeyAsync(s_directory, CancellationToken.None);
        Assert.Equal(fleet.Thumbprint, offline.Thumbprint);

        IOException error = await Assert.ThrowsAsync<IOException>(() => Node(unreachable, "never-connected").LoadOrCreateKeyAsync(s_directory, CancellationToken.None));
        Assert.Contains("no copy", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(new AcmeAccountStore(Path.Combine(_root.FullName, "never-connected"), _key).KeyPath(s_directory)));
    }

    private PostgresAcmeAccountStore Node(NpgsqlDataSource database, string name) =>
        new(database, _key, new AcmeAccountStore(Path.Combine(_root.FullName, name), _key), name, NullLogger.Instance);

    private async Task<NpgsqlDataSource> DatabaseAsync()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        string name = await cluster.CreateDatabaseAsync();
        NpgsqlDataSource database = NpgsqlDataSource.Create(cluster.ConnectionString(name));
        await StoreSchema.MigrateAsync(database, CancellationToken.None);
        return database;
    }
}
