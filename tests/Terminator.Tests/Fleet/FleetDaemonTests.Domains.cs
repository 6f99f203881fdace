using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Terminator.Samples.Origin;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Fleet;

/// <summary>The fleet's shared managed domains, renewal schedule and ACME account: two daemon processes on one database
/// and a real Pebble.</summary>
public sealed partial class FleetDaemonTests
{
    private static readonly TimeSpan IssueTimeout = TimeSpan.FromSeconds(90);

    [PostgresPebbleFact]
    public async Task Domains_AddedOnNodeA_ListedByNodeB_ByNotification_BothShowWhoIssuedItAndWhen()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        string database = await cluster.CreateDatabaseAsync();
        int httpOfB = LoopbackPorts.Reserve();
        await using PebbleProcess pebble = await PebbleProcess.StartAsync(httpOfB, LoopbackPorts.Reserve());
        await using SampleTrackingOrigin origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        string token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        await using DaemonProcess a = DaemonProcess.Start(null, AcmeNode(cluster, database, pebble, origin, token, "a", "off"));
        (IPEndPoint httpsA, string adminA) = await ReadyWithAdminAsync(a);
        await using DaemonProcess b = DaemonProcess.Start(null, AcmeNode(cluster, database, pebble, origin, token, "b", Loopback(httpOfB)));
        (IPEndPoint httpsB, string adminB) = await ReadyWithAdminAsync(b);
        using HttpClient onA = Admin(adminA, token);
        using HttpClient onB = Admin(adminB, token);

        // B's list (GET /v1/domains), polled every 5 ms from the start of the PUT on A. The first change each node applies
        // also runs its notification path for the first time (JIT included); the second shows the steady state. Both are
        // printed; the bound says each came by notification, not by the 30 s reconciliation.
        const string first = "open.registry-fleet.test";
        const string name = "click.registry-fleet.test";
        TimeSpan firstListed = await PutAndListAsync(onA, onB, first);
        output.WriteLine($"PUT on node A -> listed by node B's GET /v1/domains: {firstListed.TotalMilliseconds:0} ms (first change)");
        var clock = Stopwatch.StartNew();
        TimeSpan listed = await PutAndListAsync(onA, onB, name);
        output.WriteLine($"PUT on node A -> listed by node B's GET /v1/domains: {listed.TotalMilliseconds:0} ms (second change)");
        Assert.True(firstListed < Propagation, $"B listed {first} after {firstListed.TotalMilliseconds:0} ms\n--- b:\n{b.StandardOutput}");
        Assert.True(listed < Propagation, $"B listed {name} after {listed.TotalMilliseconds:0} ms\n--- b:\n{b.StandardOutput}");

        // Issued once (whichever node took the lease), and both nodes show the same record: who issued it and when.
        JsonElement onAValid = await WaitForStateAsync(onA, name, "valid", a, b, pebble);
        JsonElement onBValid = await Eventually.ResultAsync(() => GetDomainAsync(onB, name), d => d.GetProperty("state").GetString() == "valid", TimeSpan.FromSeconds(5));
        string? issuedBy = onAValid.GetProperty("issuedBy").GetString();
        Assert.False(string.IsNullOrEmpty(issuedBy));
        Assert.Equal(issuedBy, onBValid.GetProperty("issuedBy").GetString());
        Assert.Equal(onAValid.GetProperty("issuedAt").GetDateTime(), onBValid.GetProperty("issuedAt").GetDateTime());
        Assert.Equal(onAValid.GetProperty("nextRenewal").GetDateTime(), onBValid.GetProperty("nextRenewal").GetDateTime());
        output.WriteLine($"issued by {issuedBy} at {onAValid.GetProperty("issuedAt").GetDateTime():O}, {clock.Elapsed.TotalMilliseconds:0} ms after the PUT");
        await WaitForStateAsync(onB, first, "valid", a, b, pebble);
        Assert.Equal(2, Orders(pebble)); // one per domain, not one per node
        await UntilServedAsync(httpsA, name, await Eventually.ResultAsync(() => HandshakeAsync(httpsB, name), t => t is not null && t != Refused), clock, TimeSpan.FromSeconds(10));

        // One account for the fleet: both nodes use the row's key.
        string logs = a.StandardOutput + a.StandardError + b.StandardOutput + b.StandardError;
        Assert.Contains("created for the fleet", logs, StringComparison.Ordinal);
        Assert.Contains("the fleet's, from the database", logs, StringComparison.Ordinal);
    }

    [PostgresPebbleFact]
    public async Task Acme_AFailingDomain_BacksOffOnBothNodes_OneCaOrderPerBackoffFleetWide()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        string database = await cluster.CreateDatabaseAsync();
        // Pebble validates HTTP-01 on a port nobody listens on: every order fails at the CA (connection refused).
        await using PebbleProcess pebble = await PebbleProcess.StartAsync(LoopbackPorts.Reserve(), LoopbackPorts.Reserve());
        await using SampleTrackingOrigin origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        string token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        const string lease = "3s";
        await using DaemonProcess a = DaemonProcess.Start(null, AcmeNode(cluster, database, pebble, origin, token, "a", "off", lease));
        (_, string adminA) = await ReadyWithAdminAsync(a);
        await using DaemonProcess b = DaemonProcess.Start(null, AcmeNode(cluster, database, pebble, origin, token, "b", "off", lease));
        (_, string adminB) = await ReadyWithAdminAsync(b);
        using HttpClient onA = Admin(adminA, token);
        using HttpClient onB = Admin(adminB, token);

        const string name = "failing.registry-fleet.test";
        using (HttpResponseMessage put = await onA.PutAsync($"v1/domains/{name}", content: null))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        JsonElement failedOnA = await WaitForStateAsync(onA, name, "failed", a, b, pebble);
        JsonElement failedOnB = await Eventually.ResultAsync(() => GetDomainAsync(onB, name), d => d.GetProperty("state").GetString() == "failed", TimeSpan.FromSeconds(5));
        DateTime retry = failedOnA.GetProperty("nextRenewal").GetDateTime();
        Assert.Equal(retry, failedOnB.GetProperty("nextRenewal").GetDateTime());
        Assert.True(retry > DateTime.UtcNow.AddMinutes(3), $"the backoff ends {retry:O}");
        Assert.Equal(1, failedOnB.GetProperty("attempts").GetInt32());

        // Four lease periods: a node that kept its own schedule would retry after each skipped lease (3 s) or its own
        // failure; with the schedule shared, neither node asks the CA again before the backoff ends (5 minutes).
        Assert.True(await Consistently.TrueAsync(() => Orders(pebble) == 1, TimeSpan.FromSeconds(12)),
            $"{Orders(pebble)} orders at the CA\n--- a:\n{a.StandardOutput}\n--- b:\n{b.StandardOutput}");
        JsonElement still = await GetDomainAsync(onB, name);
        Assert.Equal(1, still.GetProperty("attempts").GetInt32());
        output.WriteLine($"1 order at the CA in {12 + 0:0} s after the failure, both nodes waiting until {retry:O}");
    }

    [PostgresPebbleFact]
    public async Task Acme_NodeAKilledMidOrder_NodeBCompletesTheDomainAfterTheLeaseExpires_AndARestartedNodeADoesNotOrderAgain()
    {
        PostgresCluster cluster = await fixture.GetAsync();
        string database = await cluster.CreateDatabaseAsync();
        // Pebble's HTTP-01 validator connects to a gate that holds its connection: node A's order stays in the middle of
        // its validation (the CA has the order, node A polls the authorization) until the test crashes node A.
        int validation = LoopbackPorts.Reserve();
        await using var gate = new HeldTcpGate(validation);
        await using PebbleProcess pebble = await PebbleProcess.StartAsync(validation, LoopbackPorts.Reserve());
        await using SampleTrackingOrigin origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        string token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        const string lease = "4s";
        Dictionary<string, string> envA = AcmeNode(cluster, database, pebble, origin, token, "a", "off", lease);
        await using DaemonProcess a = DaemonProcess.Start(null, envA);
        (_, string adminA) = await ReadyWithAdminAsync(a);
        using HttpClient onA = Admin(adminA, token);
        const string name = "click.killed-fleet.test";
        using (HttpResponseMessage put = await onA.PutAsync($"v1/domains/{name}", content: null))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        Assert.True(await Eventually.TrueAsync(() => Orders(pebble) == 1 && gate.Accepted > 0, TimeSpan.FromSeconds(30)),
            $"no validation under way\n--- a:\n{a.StandardOutput}\n--- pebble:\n{pebble.Output}");
        a.Signal(DaemonProcess.SIGKILL);
        var sinceKill = Stopwatch.StartNew();
        await a.WaitForExitAsync(TimeSpan.FromSeconds(15));
        (string HolderOfA, DateTime ExpiresAt)? leaseOfA = await LeaseAsync(cluster, database, name);
        Assert.True(leaseOfA is not null, "node A held no lease when it was killed");

        // Node B: port 80 behind the gate, which now lets the validator through to it.
        int httpOfB = LoopbackPorts.Reserve();
        await using DaemonProcess b = DaemonProcess.Start(null, AcmeNode(cluster, database, pebble, origin, token, "b", Loopback(httpOfB), lease));
        (IPEndPoint httpsB, string adminB) = await ReadyWithAdminAsync(b);
        gate.Open(new IPEndPoint(IPAddress.Loopback, httpOfB));
        using HttpClient onB = Admin(adminB, token);
        JsonElement valid = await WaitForStateAsync(onB, name, "valid", b, b, pebble);
        TimeSpan completed = sinceKill.Elapsed;
        string? issuedBy = valid.GetProperty("issuedBy").GetString();
        DateTime issuedAt = valid.GetProperty("issuedAt").GetDateTime();
        Assert.False(string.IsNullOrEmpty(issuedBy));
        Assert.NotEqual(leaseOfA.Value.HolderOfA, issuedBy);
        Assert.True(issuedAt >= leaseOfA.Value.ExpiresAt, $"B issued at {issuedAt:O}, before A's lease expired at {leaseOfA.Value.ExpiresAt:O}");
        string? servedByB = await Eventually.ResultAsync(() => HandshakeAsync(httpsB, name), t => t is not null && t != Refused);
        output.WriteLine($"node A killed mid-order; its lease expired {(leaseOfA.Value.ExpiresAt - DateTime.UtcNow + sinceKill.Elapsed).TotalMilliseconds:0} ms after the kill; " +
            $"node B issued {name} {completed.TotalMilliseconds:0} ms after the kill (lease {lease}); {Orders(pebble)} orders at the CA");

        // Node A back: it follows the shared registry, finds the domain valid until its renewal, and orders nothing.
        int ordersBefore = Orders(pebble);
        await using DaemonProcess again = DaemonProcess.Start(null, envA);
        (IPEndPoint httpsAgain, string adminAgain) = await ReadyWithAdminAsync(again);
        using HttpClient onAgain = Admin(adminAgain, token);
        JsonElement seenByA = await GetDomainAsync(onAgain, name);
        Assert.Equal("valid", seenByA.GetProperty("state").GetString());
        Assert.Equal(issuedBy, seenByA.GetProperty("issuedBy").GetString());
        await UntilServedAsync(httpsAgain, name, servedByB, limit: TimeSpan.FromSeconds(10));
        Assert.True(await Consistently.TrueAsync(() => Orders(pebble) == ordersBefore, TimeSpan.FromSeconds(8)),
            $"node A ordered again\n--- a:\n{again.StandardOutput}\n--- pebble:\n{pebble.Output}");
    }

    private static async Task<TimeSpan> PutAndListAsync(HttpClient onA, HttpClient onB, string name)
    {
        var clock = Stopwatch.StartNew();
        using (HttpResponseMessage put = await onA.PutAsync($"v1/domains/{name}", content: null))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if ((await ListAsync(onB)).Contains(name))
            {
                return clock.Elapsed;
            }

            await Task.Delay(5);
        }

        return TimeSpan.MaxValue;
    }

    private static int Orders(PebbleProcess pebble) => pebble.Output.Split('\n').Count(l => l.Contains("Added order", StringComparison.Ordinal));

    private static string Loopback(int port) => "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);

    private Dictionary<string, string> AcmeNode(PostgresCluster cluster, string database, PebbleProcess pebble, SampleTrackingOrigin origin, string token,
        string node, string httpListen, string? lease = null)
    {
        Dictionary<string, string> environment = Env(cluster, database, node);
        environment["TERMINATOR_ACME"] = "on";
        environment["TERMINATOR_ACME_DIRECTORY"] = pebble.DirectoryUri.AbsoluteUri;
        environment["TERMINATOR_ACME_CA_ROOT"] = pebble.WfeCaPemPath;
        environment["TERMINATOR_ACME_CHALLENGES"] = "http-01";
        environment["TERMINATOR_ACME_PREFLIGHT"] = "off"; // Pebble's DNS is not the test's resolver
        environment["TERMINATOR_ACME_EMAIL"] = "ops@fleet.test";
        environment["TERMINATOR_HTTP_LISTEN"] = httpListen;
        environment["TERMINATOR_ADMIN_LISTEN"] = "127.0.0.1:0";
        environment["TERMINATOR_ADMIN_TOKEN"] = token;
        environment["TERMINATOR_UPSTREAM"] = $"http://{origin.EndPoint}";
        if (lease is not null)
        {
            environment["TERMINATOR_FLEET_ORDER_LEASE"] = lease;
        }

        return environment;
    }

    private static HttpClient Admin(string endPoint, string token)
    {
        var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{endPoint}/"), Timeout = TimeSpan.FromSeconds(10) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return admin;
    }

    private static async Task<HashSet<string>> ListAsync(HttpClient admin)
    {
        using HttpResponseMessage response = await admin.GetAsync("v1/domains");
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonElement item in JsonDocument.Parse(body).RootElement.GetProperty("items").EnumerateArray())
        {
            names.Add(item.GetProperty("name").GetString()!);
        }

        return names;
    }

    private static async Task<JsonElement> GetDomainAsync(HttpClient admin, string name)
    {
        using HttpResponseMessage response = await admin.GetAsync($"v1/domains/{name}");
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {name}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<JsonElement> WaitForStateAsync(HttpClient admin, string name, string state, DaemonProcess a, DaemonProcess b, PebbleProcess pebble)
    {
        var clock = Stopwatch.StartNew();
        JsonElement domain = default;
        while (clock.Elapsed < IssueTimeout && !a.HasExited && !b.HasExited)
        {
            domain = await GetDomainAsync(admin, name);
            if (domain.GetProperty("state").GetString() == state)
            {
                return domain;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{name} did not become {state} within {IssueTimeout}: {domain}\n--- a:\n{a.StandardOutput}\n{a.StandardError}\n--- b:\n{b.StandardOutput}\n{b.StandardError}\n--- pebble:\n{pebble.Output}");
    }

    private static async Task<(string Holder, DateTime ExpiresAt)?> LeaseAsync(PostgresCluster cluster, string database, string name)
    {
        await using var source = Npgsql.NpgsqlDataSource.Create(cluster.ConnectionString(database));
        await using Npgsql.NpgsqlConnection connection = await source.OpenConnectionAsync();
        await using var lease = new Npgsql.NpgsqlCommand("SELECT holder, expires_at FROM leases WHERE domain = $1", connection);
        lease.Parameters.AddWithValue(name);
        await using Npgsql.NpgsqlDataReader reader = await lease.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetDateTime(1)) : null;
    }
}
