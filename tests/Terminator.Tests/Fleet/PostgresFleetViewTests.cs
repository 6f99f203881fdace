using System.Security.Cryptography;
using Terminator.Admin;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Fleet;
using Terminator.Samples.Certificates;
using Terminator.Storage;
using Terminator.Tests.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Fleet;

/// <summary>Heartbeats into the <c>nodes</c> table and what <c>GET /v1/fleet</c> reads from it and from the store.</summary>
public sealed class PostgresFleetViewTests(PostgresClusterFixture fixture) : IClassFixture<PostgresClusterFixture>, IDisposable
{
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Fleet View CA");
    private readonly StoreKey _key = StoreKey.FromBytes(RandomNumberGenerator.GetBytes(32), "test key");
    private readonly TempDirectory _root = new("fleet-view");

    public void Dispose()
    {
        _authority.Dispose();
        _root.Dispose();
    }

    [PostgresFact]
    public async Task Heartbeat_ShowsTheNodeInStep_ALaggingNodeBehind_AndWhoWroteEachCertificate()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        string database = await cluster.CreateDatabaseAsync();
        var map = new CertificateMap();
        await using InProcessFleetNode node = await InProcessFleetNode.StartAsync(Path.Combine(_root.FullName, "a"), _key, cluster.ConnectionString(database), database, map,
            TerminatorLog.Silent);
        Assert.True(await Eventually.TrueAsync(() => node.Status.Connected, TimeSpan.FromSeconds(20)));

        // Written through the node's own store: updated_by is the node's id (the lease holder's form: host/pid/suffix).
        StoredCertificateInfo first = await node.Node.Store.PutAsync(CertificateTestHelpers.Entry(_authority, "a.view.test"));
        StoredCertificateInfo second = await node.Node.Store.PutAsync(CertificateTestHelpers.Entry(_authority, "b.view.test"));
        StoredCertificateInfo third = await node.Node.Store.PutAsync(CertificateTestHelpers.Entry(_authority, "c.view.test"));
        Assert.True(await Eventually.TrueAsync(() => node.Status.AppliedGeneration == 3, TimeSpan.FromSeconds(20)));
        await node.Node.Heartbeat.BeatAsync(CancellationToken.None);
        Assert.Matches($"^{Environment.MachineName}/{Environment.ProcessId}/[0-9a-f]{{8}}$", node.Node.NodeId);

        // A node that stopped applying at generation 1 ten seconds ago (its row as its heartbeat left it).
        await cluster.ExecuteAsync("""
            INSERT INTO nodes (id, host, version, started_at, last_heartbeat, applied_generation, connected)
            VALUES ('zz-lagging', 'other-host', 'old', now() - interval '1 hour', now() - interval '10 seconds', 1, false)
            """, database);
        // Its oldest unapplied change (generation 2) was written 30 s ago: aged with the stamping trigger off, which would
        // otherwise make the UPDATE a new write.
        await cluster.ExecuteAsync("""
            ALTER TABLE certificates DISABLE TRIGGER certificates_stamp;
            UPDATE certificates SET updated_at = now() - interval '30 seconds' WHERE generation = 2;
            ALTER TABLE certificates ENABLE TRIGGER certificates_stamp;
            """, database);

        (FleetResource? view, string? unavailable) = await node.Node.View.GetAsync(after: null, limit: 2, CancellationToken.None);
        Assert.True(view is not null, unavailable);
        Assert.Equal(3, view.LatestGeneration);
        Assert.Equal(2, view.Nodes.Count);
        FleetNodeResource self = view.Nodes[0];
        Assert.Equal(node.Node.NodeId, self.Id);
        Assert.Equal(Environment.MachineName, self.Host);
        Assert.True(self.Connected);
        Assert.Equal(3, self.AppliedGeneration);
        Assert.Equal(0, self.GenerationsBehind);
        Assert.Equal(0, self.LagSeconds);
        Assert.InRange(self.HeartbeatAgeSeconds, 0, 5);

        FleetNodeResource lagging = view.Nodes[1];
        Assert.Equal(("zz-lagging", false, 2L), (lagging.Id, lagging.Connected, lagging.GenerationsBehind));
        Assert.InRange(lagging.HeartbeatAgeSeconds, 10, 60);
        // At its last heartbeat (10 s ago) its oldest unapplied change was 20 s old.
        Assert.InRange(lagging.LagSeconds, 18, 22);

        // Certificates a page at a time, in id order, with the writer and the time.
        string[] ids = [.. new[] { first.Id, second.Id, third.Id }.Order(StringComparer.Ordinal)];
        Assert.Equal(ids[..2], view.Certificates.Select(c => c.Id));
        Assert.All(view.Certificates, c => Assert.Equal(node.Node.NodeId, c.UpdatedBy));
        Assert.NotNull(view.NextCursor);
        Assert.Equal(ids[1], System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(view.NextCursor)));
        (FleetResource? last, _) = await node.Node.View.GetAsync(after: ids[1], limit: 2, CancellationToken.None);
        Assert.Equal(ids[2..], last!.Certificates.Select(c => c.Id));
        Assert.Null(last.NextCursor);

        // A removed certificate (a tombstone) is not listed.
        Assert.True(await node.Node.Store.RemoveAsync(ids[0]));
        (FleetResource? after, _) = await node.Node.View.GetAsync(after: null, limit: 10, CancellationToken.None);
        Assert.Equal(ids[1..], after!.Certificates.Select(c => c.Id));
    }

    [PostgresFact]
    public async Task DatabaseDown_TheViewSaysSo_InsteadOfHanging()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        string database = await cluster.CreateDatabaseAsync();
        await using Npgsql.NpgsqlDataSource source = PostgresCertificateStore.CreateDataSource(cluster.ConnectionString(database)
            .Replace($"Port={cluster.Port}", $"Port={LoopbackPorts.Reserve()}", StringComparison.Ordinal));
        var view = new PostgresFleetView(source);
        (FleetResource? page, string? unavailable) = await view.GetAsync(null, 10, CancellationToken.None);
        Assert.Null(page);
        Assert.False(string.IsNullOrEmpty(unavailable));
    }
}
