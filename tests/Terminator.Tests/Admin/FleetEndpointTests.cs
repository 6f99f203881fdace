using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Terminator.Admin;
using Terminator.Configuration;
using Terminator.Diagnostics;

namespace Terminator.Tests.Admin;

/// <summary><c>GET /v1/fleet</c> over a real socket: the token, "not a fleet" on a directory store, paging, and a database
/// that cannot answer (the view itself is tested against PostgreSQL in Fleet/PostgresFleetViewTests).</summary>
public sealed class FleetEndpointTests
{
    [Fact]
    public async Task Fleet_NeedsTheToken_WithOrWithoutTheDomainsApi_AndSaysWhenThisIsNoFleet()
    {
        string token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Assert.Null(AdminToken.TryParse(token, "TERMINATOR_ADMIN_TOKEN", out AdminToken? parsed));
        // A fleet node with ACME off: the domains API is off, the fleet view is not.
        await using AdminServer server = AdminServer.Start(new AdminServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), Token = parsed, DomainsApi = false },
            TerminatorLog.Silent, metrics: null, readiness: null);
        using HttpClient client = Client(server, token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("v1/fleet")).StatusCode);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        (HttpStatusCode status, JsonElement json) = await GetAsync(client, "v1/fleet");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("not a fleet: this node's store is a directory (the fleet view needs TERMINATOR_STORE=postgres)", json.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(client, "v1/domains")).Status); // still off

        var view = new FakeView();
        server.ServeFleet(view);
        (status, json) = await GetAsync(client, "v1/fleet?limit=2");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(7, json.GetProperty("latestGeneration").GetInt64());
        JsonElement node = json.GetProperty("nodes")[0];
        Assert.Equal("edge-1/42/0badc0de", node.GetProperty("id").GetString());
        Assert.Equal(2, node.GetProperty("generationsBehind").GetInt64());
        Assert.Equal(1.5, node.GetProperty("lagSeconds").GetDouble());
        Assert.Equal("edge-1/42/0badc0de", json.GetProperty("certificates")[0].GetProperty("updatedBy").GetString());
        string cursor = json.GetProperty("nextCursor").GetString()!;
        Assert.Equal((null, 2), view.Asked[^1]);

        (status, _) = await GetAsync(client, $"v1/fleet?cursor={cursor}&limit=1000");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("b.example.ecdsa.1", 1000), view.Asked[^1]); // the cursor is the last id of the page before

        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(client, "v1/fleet?limit=1001")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(client, "v1/fleet?cursor=%25%25")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(client, "v1/fleet?state=x")).Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await client.DeleteAsync("v1/fleet")).StatusCode);

        view.Unavailable = "connection refused";
        (status, json) = await GetAsync(client, "v1/fleet");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("(connection refused)", json.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fleet_WithoutAConfiguredToken_Is403()
    {
        await using AdminServer server = AdminServer.Start(new AdminServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), DomainsApi = false },
            TerminatorLog.Silent, metrics: null, readiness: null);
        server.ServeFleet(new FakeView());
        using HttpClient client = Client(server, token: null);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("v1/fleet")).StatusCode);
    }

    private static HttpClient Client(AdminServer server, string? token)
    {
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{server.EndPoint}/"), Timeout = TimeSpan.FromSeconds(10) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Json)> GetAsync(HttpClient client, string path)
    {
        using HttpResponseMessage response = await client.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone());
    }

    private sealed class FakeView : IFleetView
    {
        public List<(string? After, int Limit)> Asked { get; } = [];

        public string? Unavailable { get; set; }

        public ValueTask<(FleetResource? View, string? Unavailable)> GetAsync(string? after, int limit, CancellationToken cancellationToken)
        {
            Asked.Add((after, limit));
            if (Unavailable is not null)
            {
                return ValueTask.FromResult<(FleetResource?, string?)>((null, Unavailable));
            }

            DateTimeOffset now = DateTimeOffset.UtcNow;
            var node = new FleetNodeResource("edge-1/42/0badc0de", "edge-1", "1.0.0", now.AddHours(-1), now, 0.2, true, 5, 2, 1.5);
            FleetCertificateResource[] certificates =
            [
                new("a.example.ecdsa.1", ["a.example"], now.AddDays(60), 6, "edge-1/42/0badc0de", now),
                new("b.example.ecdsa.1", ["b.example"], now.AddDays(60), 7, "edge-1/42/0badc0de", now),
            ];
            return ValueTask.FromResult<(FleetResource?, string?)>((new FleetResource(7, [node], certificates, FleetEndpoint.EncodeCursor("b.example.ecdsa.1")), null));
        }
    }
}
