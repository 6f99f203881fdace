using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Terminator.Acme;
using Terminator.Fleet;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Fleet;

/// <summary>Order leases against a real PostgreSQL: exclusive between holders, renewed while held, taken over only
/// after expiry, given back on completion.</summary>
public sealed class PostgresOrderLeasesTests(PostgresClusterFixture fixture) : IClassFixture<PostgresClusterFixture>
{
    private const string Domain = "click.customer.test";

    [PostgresFact]
    public async Task ALease_IsExclusiveBetweenTwoHolders_AndReleasedOnCompletion()
    {
        await using NpgsqlDataSource database = await DatabaseAsync();
        var a = new PostgresOrderLeases(database, "node-a", NullLogger.Instance);
        var b = new PostgresOrderLeases(database, "node-b", NullLogger.Instance);

        IOrderLease? held = await a.TryTakeAsync(Domain, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.NotNull(held);
        Assert.Null(await b.TryTakeAsync(Domain, DateTimeOffset.UtcNow, CancellationToken.None));
        IOrderLease? other = await b.TryTakeAsync("other.customer.test", DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.NotNull(other);
        await other.DisposeAsync();

        await held.DisposeAsync();
        Assert.Equal(0L, await CountAsync(database, Domain));
        IOrderLease? next = await b.TryTakeAsync(Domain, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.NotNull(next);
        await next.DisposeAsync();
    }

    [PostgresFact]
    public async Task RacingHolders_ExactlyOneWins()
    {
        await using NpgsqlDataSource database = await DatabaseAsync();
        const int Nodes = 8;
        var nodes = Enumerable.Range(0, Nodes).Select(i => new PostgresOrderLeases(database, $"node-{i}", NullLogger.Instance)).ToArray();
        using var start = new Barrier(Nodes);
        IOrderLease?[] taken = await Task.WhenAll(nodes.Select(n => Task.Run(async () =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            return await n.TryTakeAsync(Domain, DateTimeOffset.UtcNow, CancellationToken.None);
        })));

        Assert.Single(taken, t => t is not null);
        foreach (IOrderLease? lease in taken)
        {
            if (lease is not null)
            {
                await lease.DisposeAsync();
            }
        }
    }

    [PostgresFact]
    public async Task AHeldLease_IsRenewedPastItsDuration_ButADeadHoldersLease_IsTakenOverAfterExpiry()
    {
        await using NpgsqlDataSource database = await DatabaseAsync();
        // 3 s, renewed every second: a renewal may be late by up to two seconds (a full-suite run on a 2-core host once
        // delayed one past a 1.5 s lease) before node B can take a live lease.
        TimeSpan duration = TimeSpan.FromSeconds(3);
        var a = new PostgresOrderLeases(database, "node-a", NullLogger.Instance, duration);
        var b = new PostgresOrderLeases(database, "node-b", NullLogger.Instance, duration);

        // Alive: renewed every third of its duration, so through twice the duration node B, trying all along, never takes it.
        IOrderLease? alive = await a.TryTakeAsync(Domain, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.NotNull(alive);
        var window = System.Diagnostics.Stopwatch.StartNew();
        int refusals = 0;
        while (window.Elapsed < duration * 2)
        {
            Assert.Null(await b.TryTakeAsync(Domain, DateTimeOffset.UtcNow, CancellationToken.None));
            refusals++;
            await Task.Delay(50);
        }

        Assert.InRange(refusals, 10, int.MaxValue);
        Assert.False(alive.Lost.IsCancellationRequested);
        await alive.DisposeAsync();

        // Dead: a row nobody renews (a node killed mid-order) is taken over once expired, not before.
        await using (NpgsqlConnection connection = await database.OpenConnectionAsync())
        await using (var dead = new NpgsqlCommand($"INSERT INTO leases (domain, holder, expires_at) VALUES ('{Domain}', 'node-dead', now() + interval '1 second')", connection))
        {
            await dead.ExecuteNonQueryAsync();
        }

        Assert.Null(await b.TryTakeAsync(Domain, DateTimeOffset.UtcNow, CancellationToken.None));
        IOrderLease? takenOver = await Eventually.ResultAsync(() => b.TryTakeAsync(Domain, DateTimeOffset.UtcNow, CancellationToken.None).AsTask(),
            lease => lease is not null, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
        Assert.NotNull(takenOver);
        await takenOver.DisposeAsync();
    }

    [PostgresFact]
    public async Task ALeaseTakenOverBehindItsHoldersBack_IsReportedLost()
    {
        await using NpgsqlDataSource database = await DatabaseAsync();
        var a = new PostgresOrderLeases(database, "node-a", NullLogger.Instance, TimeSpan.FromSeconds(0.9));
        IOrderLease? lease = await a.TryTakeAsync(Domain, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.NotNull(lease);
        await using (NpgsqlConnection connection = await database.OpenConnectionAsync())
        await using (var steal = new NpgsqlCommand($"UPDATE leases SET holder = 'node-b' WHERE domain = '{Domain}'", connection))
        {
            await steal.ExecuteNonQueryAsync();
        }

        Assert.True(await Eventually.TrueAsync(() => lease.Lost.IsCancellationRequested, TimeSpan.FromSeconds(5)));
        Assert.Equal("another node took it over", lease.LostReason);
        await lease.DisposeAsync();
        Assert.Equal(1L, await CountAsync(database, Domain)); // node B's row is left alone
    }

    private async Task<NpgsqlDataSource> DatabaseAsync()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        NpgsqlDataSource database = NpgsqlDataSource.Create(cluster.ConnectionString(await cluster.CreateDatabaseAsync()));
        await StoreSchema.MigrateAsync(database, CancellationToken.None);
        return database;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource database, string domain)
    {
        await using NpgsqlConnection connection = await database.OpenConnectionAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM leases WHERE domain = $1", connection);
        count.Parameters.AddWithValue(domain);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
