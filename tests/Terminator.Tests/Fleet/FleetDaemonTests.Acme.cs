using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Npgsql;
using Terminator.Samples.Origin;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Fleet;

/// <summary>ACME on a fleet: two daemon processes on one database and a real Pebble.</summary>
public sealed partial class FleetDaemonTests
{
    [PostgresPebbleFact]
    public async Task Acme_DomainAddedOnNodeA_IsValidatedThroughNodeBsPort80_AndServedByBoth()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        string database = await cluster.CreateDatabaseAsync();
        // Pebble's HTTP-01 validator connects to node B's HTTP listener only; node A has none, so an issued certificate
        // proves node B answered a challenge node A published. TLS-ALPN-01 goes to a closed port.
        int httpOfB = LoopbackPorts.Reserve();
        int closed = LoopbackPorts.Reserve();
        await using PebbleProcess pebble = await PebbleProcess.StartAsync(httpOfB, closed);
        await using SampleTrackingOrigin origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        string token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        Dictionary<string, string> Node(string node, string httpListen) => AcmeNode(cluster, database, pebble, origin, token, node, httpListen);

        await using DaemonProcess a = DaemonProcess.Start(null, Node("a", "off"));
        (IPEndPoint httpsA, string adminA) = await ReadyWithAdminAsync(a);
        await using DaemonProcess b = DaemonProcess.Start(null, Node("b", "127.0.0.1:" + httpOfB.ToString(CultureInfo.InvariantCulture)));
        IPEndPoint httpsB = await ReadyAsync(b);

        using var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{adminA}/"), Timeout = TimeSpan.FromSeconds(10) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        // Both nodes race for a new domain's order lease (node B learns of the PUT through the domains table within
        // milliseconds, and under a loaded suite won it three times in a row). Only an order node A places shows node B
        // answering a challenge another node published, so the lease is node A's before the PUT: a holder may take its
        // own row again (PostgresOrderLeases), node B finds it held and skips.
        const string name = "click.acme-fleet.test";
        string holderOfA = (await a.WaitForLineAsync(ThisNodeIs(), TimeSpan.FromSeconds(10))).Groups["holder"].Value;
        await cluster.ExecuteAsync($"INSERT INTO leases (domain, holder, expires_at) VALUES ('{name}', '{holderOfA}', now() + interval '2 minutes')", database);
        await IssueThroughBothAsync(a, b, httpsA, httpsB, admin, pebble, name);
        Assert.True(Log(a).Contains($"for {name} created", StringComparison.Ordinal), $"node A did not order {name}\n--- a:\n{Log(a)}\n--- b:\n{Log(b)}");
        // Node B, the only node the CA reaches, answered node A's challenge from the shared table.
        Assert.Contains("answered here (published by a node)", Log(b), StringComparison.Ordinal);

        // The lease and the challenge rows are gone again.
        await using NpgsqlDataSource source = NpgsqlDataSource.Create(cluster.ConnectionString(database));
        async Task<(long Leases, long Challenges, long Certificates)> RowsAsync()
        {
            await using NpgsqlConnection connection = await source.OpenConnectionAsync();
            await using var rows = new NpgsqlCommand("SELECT (SELECT count(*) FROM leases), (SELECT count(*) FROM challenges), (SELECT count(*) FROM certificates WHERE $1 = ANY(names))", connection);
            rows.Parameters.AddWithValue(name);
            await using NpgsqlDataReader reader = await rows.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        // The lease is given back once the order is recorded, just after the certificate is stored.
        (long Leases, long Challenges, long Certificates) after = await Eventually.ResultAsync(RowsAsync, r => r.Leases == 0, TimeSpan.FromSeconds(5));
        Assert.Equal((0L, 0L, 1L), after);
    }

    private static string Log(DaemonProcess node) => node.StandardOutput + "\n" + node.StandardError;

    [GeneratedRegex(@"this node is (?<holder>\S+) in the fleet")]
    private static partial Regex ThisNodeIs();

    /// <summary>PUTs <paramref name="name"/> on node A and waits until both nodes serve the certificate issued for it.</summary>
    private async Task IssueThroughBothAsync(DaemonProcess a, DaemonProcess b, IPEndPoint httpsA, IPEndPoint httpsB, HttpClient admin, PebbleProcess pebble, string name)
    {
        var clock = Stopwatch.StartNew();
        using (HttpResponseMessage put = await admin.PutAsync($"v1/domains/{name}", content: null))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        string? servedByA = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(60) && !a.HasExited)
        {
            servedByA = await HandshakeAsync(httpsA, name);
            if (servedByA is not null && servedByA != Refused)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.True(servedByA is not null && servedByA != Refused,
            $"node A never served {name}\n--- a:\n{a.StandardOutput}\n{a.StandardError}\n--- b:\n{b.StandardOutput}\n{b.StandardError}\n--- pebble:\n{pebble.Output}");
        output.WriteLine($"{name}: issued through node B's port 80 and served by node A {clock.Elapsed.TotalMilliseconds:0} ms after the PUT on node A");
        TimeSpan onB = await UntilServedAsync(httpsB, name, servedByA, clock);
        output.WriteLine($"{name}: served by node B {onB.TotalMilliseconds:0} ms after the PUT");
    }
}
