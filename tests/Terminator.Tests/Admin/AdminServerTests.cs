using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Terminator.Domains;
using Terminator.Tests.Domains;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Admin;

/// <summary>The admin API over a real socket on 127.0.0.1.</summary>
public sealed class AdminServerTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Json, HttpResponseMessage Response)> Call(HttpClient client, HttpMethod method, string path, string? json = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        HttpResponseMessage response = await client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        JsonElement element = body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
        return (response.StatusCode, element, response);
    }

    private static string Error(JsonElement json) => json.GetProperty("error").GetString()!;

    [Fact]
    public async Task V1_WithoutOrWithAWrongToken_Is401WithTheBearerChallenge()
    {
        await using AdminServerFixture admin = AdminServerFixture.Start();
        await using RawHttpClient raw = await RawHttpClient.ConnectPlainAsync(admin.EndPoint);

        await raw.SendAsync("GET /v1/domains HTTP/1.1\r\nHost: admin\r\n\r\n");
        RawResponse? missing = await raw.ReadResponseAsync();
        Assert.Equal(401, missing!.Status);
        Assert.Equal("Bearer realm=\"terminator\"", missing.Header("WWW-Authenticate"));
        Assert.Equal("application/json", missing.Header("Content-Type"));
        Assert.Equal(missing.Body.Length.ToString(), missing.Header("Content-Length"));

        string wrong = admin.Token![..^2] + (admin.Token[^2] == 'A' ? "B=" : "A=");
        await raw.SendAsync($"PUT /v1/domains/a.example HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer {wrong}\r\nContent-Length: 0\r\n\r\n");
        RawResponse? invalid = await raw.ReadResponseAsync();
        Assert.Equal(401, invalid!.Status);
        Assert.Equal("Bearer realm=\"terminator\", error=\"invalid_token\"", invalid.Header("WWW-Authenticate"));

        await raw.SendAsync("GET /v1/domains HTTP/1.1\r\nHost: admin\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n");
        Assert.Equal(401, (await raw.ReadResponseAsync())!.Status);

        // The same connection, the right token, the scheme in another case (RFC 9110 §11.1): accepted.
        await raw.SendAsync($"GET /v1/domains HTTP/1.1\r\nHost: admin\r\nAuthorization: bearer {admin.Token}\r\n\r\n");
        Assert.Equal(200, (await raw.ReadResponseAsync())!.Status);
        Assert.Equal(0, admin.Registry.Count); // the refused PUT changed nothing
        Assert.Contains("wrong token", admin.Folder.LogText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V1_WithoutAConfiguredToken_IsOff_With403AndTheReason()
    {
        await using AdminServerFixture admin = AdminServerFixture.Start(withToken: false);
        admin.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", new string('x', 40));

        var (status, json, _) = await Call(admin.Client, HttpMethod.Put, "v1/domains/a.example");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("TERMINATOR_ADMIN_TOKEN", Error(json), StringComparison.Ordinal);
        Assert.Equal(0, admin.Registry.Count);
        Assert.Equal(HttpStatusCode.NotFound, (await Call(admin.Client, HttpMethod.Get, "metrics")).Status);
    }

    [Fact]
    public async Task Put_IsIdempotent_201Then200_AndGetShowsTheState()
    {
        await using AdminServerFixture admin = AdminServerFixture.Start();

        var (created, json, response) = await Call(admin.Client, HttpMethod.Put, "v1/domains/Click.Shop.Example");
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal("/v1/domains/click.shop.example", response.Headers.Location?.OriginalString);
        Assert.Equal("click.shop.example", json.GetProperty("name").GetString());
        Assert.Equal("pending", json.GetProperty("state").GetString());
        Assert.Equal("ecdsa", json.GetProperty("keyType").GetString());
        Assert.Equal(new[] { "click.shop.example" }, admin.Requested);

        var (again, againJson, _) = await Call(admin.Client, HttpMethod.Put, "v1/domains/click.shop.example", "{\"keyType\":\"ecdsa\"}");
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(json.GetProperty("added").GetString(), againJson.GetProperty("added").GetString());
        Assert.Single(admin.Requested); // nothing changed: the scheduler is not woken

        var (changed, changedJson, _) = await Call(admin.Client, HttpMethod.Put, "v1/domains/click.shop.example", "{\"keyType\":\"both\"}", "application/json; charset=utf-8");
        Assert.Equal(HttpStatusCode.OK, changed);
        Assert.Equal("both", changedJson.GetProperty("keyType").GetString());
        Assert.Equal(2, admin.Requested.Count);

        await admin.Registry.UpdateAsync("click.shop.example", d => d with
        {
            State = ManagedDomainState.Failed,
            LastError = "urn:ietf:params:acme:error:dns: NXDOMAIN looking up A for click.shop.example",
            Attempts = 2,
            NextRenewal = new DateTimeOffset(2026, 3, 1, 13, 0, 0, TimeSpan.Zero),
        });
        var (ok, state, _) = await Call(admin.Client, HttpMethod.Get, "v1/domains/click.shop.example");
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal("failed", state.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, state.GetProperty("notAfter").ValueKind);
        Assert.Equal("2026-03-01T13:00:00Z", state.GetProperty("nextRenewal").GetString());
        Assert.StartsWith("urn:ietf:params:acme:error:dns", state.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, state.GetProperty("attempts").GetInt32());
        Assert.Equal("2026-03-01T12:00:00Z", state.GetProperty("added").GetString());
        Assert.True(state.TryGetProperty("updated", out _));

        Assert.Equal(HttpStatusCode.NotFound, (await Call(admin.Client, HttpMethod.Get, "v1/domains/unknown.example")).Status);
    }

    [Theory]
    [InlineData("PUT", "v1/domains/%2A.shop.example", null, "wildcards need a DNS-01 provider, which is not configured")]
    [InlineData("PUT", "v1/domains/1.2.3.4", null, "IP address")]
    [InlineData("GET", "v1/domains/bad_name.example", null, "contains '_'")]
    [InlineData("PUT", "v1/domains/b%C3%BCcher.example", null, "send the IDNA A-label")]
    [InlineData("PUT", "v1/domains/a.example", "{\"keyType\":\"dsa\"}", "keyType must be ecdsa, rsa or both")]
    [InlineData("PUT", "v1/domains/a.example", "{\"keytype\":\"rsa\"}", "the body must be JSON")]
    [InlineData("PUT", "v1/domains/a.example", "{not json", "the body must be JSON")]
    [InlineData("PUT", "v1/domains/a.example?force=1", null, "unknown query parameter 'force'")]
    [InlineData("DELETE", "v1/domains/a.example?purge=yes", null, "purge must be true or false")]
    [InlineData("GET", "v1/domains?limit=1001", null, "limit must be a whole number from 1 to 1000")]
    [InlineData("GET", "v1/domains?limit=0", null, "limit must be")]
    [InlineData("GET", "v1/domains?state=expired", null, "state must be pending, valid, renewing or failed")]
    [InlineData("GET", "v1/domains?cursor=Zm9v", null, "cursor is not one this API issued")]
    [InlineData("GET", "v1/domains?limit=5&limit=6", null, "given more than once")]
    public async Task BadInput_Is400WithTheReason(string method, string path, string? body, string reasonPart)
    {
        await using AdminServerFixture admin = AdminServerFixture.Start();
        var (status, json, _) = await Call(admin.Client, new HttpMethod(method), path, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(reasonPart, Error(json), StringComparison.Ordinal);
        Assert.Equal(0, admin.Registry.Count);
    }

    [Fact]
    public async Task Put_WithABodyThatIsNotJson_Is415()
    {
        await using AdminServerFixture admin = AdminServerFixture.Start();
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Call(admin.Client, HttpMethod.Put, "v1/domains/a.example", "keyType=rsa", "application/x-www-form-urlencoded")).Status);
    }

    [Fact]
    public async Task Delete_WithPurge_CallsTheDelegateOnceTheDomainIsUnmanaged()
    {
        await using AdminServerFixture admin = AdminServerFixture.Start();
        await admin.Registry.AddOrGetAsync("a.example");
        await admin.Registry.AddOrGetAsync("b.example");
        await admin.Registry.AddOrGetAsync("c.example");

        var (status, json, _) = await Call(admin.Client, HttpMethod.Delete, "v1/domains/a.example?purge=true");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(json.GetProperty("removed").GetBoolean());
        Assert.True(json.GetProperty("purged").GetBoolean());
        Assert.Equal(new[] { ("a.example", false) }, admin.Purged);

        Assert.Equal(HttpStatusCode.NotFound, (await Call(admin.Client, HttpMethod.Delete, "v1/domains/a.example?purge=true")).Status);
        Assert.Single(admin.Purged);

        var (kept, keptJson, _) = await Call(admin.Client, HttpMethod.Delete, "v1/domains/b.example");
        Assert.Equal(HttpStatusCode.OK, kept);
        Assert.False(keptJson.GetProperty("purged").GetBoolean());
        Assert.Single(admin.Purged);

        admin.PurgeFailure = new IOException("store is read-only");
        var (failed, failedJson, _) = await Call(admin.Client, HttpMethod.Delete, "v1/domains/c.example?purge=true");
        Assert.Equal(HttpStatusCode.InternalServerError, failed);
        Assert.Contains("c.example is no longer managed, but purging its certificates failed (store is read-only)", Error(failedJson), StringComparison.Ordinal);
        Assert.Equal(0, admin.Registry.Count);
    }

    [Fact]
    public async Task Delete_WithPurge_WhenTheHostCannotPurge_Is501AndKeepsTheDomain()
    {
        await using AdminServerFixture admin = AdminServerFixture.Start(purge: false);
        await admin.Registry.AddOrGetAsync("a.example");
        Assert.Equal(HttpStatusCode.NotImplemented, (await Call(admin.Client, HttpMethod.Delete, "v1/domains/a.example?purge=true")).Status);
        Assert.Equal(1, admin.Registry.Count);
    }

    [Fact]
    public async Task List_FollowingCursors_ReturnsEveryDomainExactlyOnce()
    {
        const int Count = 2345;
        ManagedDomain[] seeded = [];
        await using AdminServerFixture admin = AdminServerFixture.Start(seed: dir =>
            seeded = RegistryFolder.WriteSnapshot(dir, Count, static i => i % 3 == 0 ? ManagedDomainState.Failed : ManagedDomainState.Valid));

        async Task<List<string>> WalkAsync(string query)
        {
            var names = new List<string>();
            string? cursor = null;
            do
            {
                string path = $"v1/domains?{query}" + (cursor is null ? string.Empty : $"&cursor={Uri.EscapeDataString(cursor)}");
                var (status, json, _) = await Call(admin.Client, HttpMethod.Get, path);
                Assert.Equal(HttpStatusCode.OK, status);
                names.AddRange(json.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("name").GetString()!));
                cursor = json.GetProperty("nextCursor").GetString();
            }
            while (cursor is not null);

            return names;
        }

        Assert.Equal(seeded.Select(d => d.Name), await WalkAsync("limit=1000"));
        Assert.Equal(seeded.Where((_, i) => i % 3 == 0).Select(d => d.Name), await WalkAsync("state=failed&limit=97"));
        var (_, firstPage, _) = await Call(admin.Client, HttpMethod.Get, "v1/domains");
        Assert.Equal(100, firstPage.GetProperty("items").GetArrayLength()); // the default page
    }

    [Fact]
    public async Task Protocol_KeepAliveHeadMethodsAndLimits()
    {
        await using AdminServerFixture admin = AdminServerFixture.Start();
        await admin.Registry.AddOrGetAsync("a.example");
        string auth = $"Authorization: Bearer {admin.Token}\r\n";
        await using RawHttpClient raw = await RawHttpClient.ConnectPlainAsync(admin.EndPoint);

        // Two requests in one write (pipelined), answered in order on the same connection.
        await raw.SendAsync($"GET /v1/domains/a.example HTTP/1.1\r\nHost: a\r\n{auth}\r\nHEAD /v1/domains/a.example HTTP/1.1\r\nHost: a\r\n{auth}\r\n");
        RawResponse? get = await raw.ReadResponseAsync();
        RawResponse? head = await raw.ReadResponseAsync(requestWasHead: true);
        Assert.Equal(200, get!.Status);
        Assert.Equal(200, head!.Status);
        Assert.Empty(head.Body);
        Assert.Equal(get.Header("Content-Length"), head.Header("Content-Length"));
        Assert.Equal("no-store", get.Header("Cache-Control"));
        Assert.Null(get.Header("Connection"));

        await raw.SendAsync($"POST /v1/domains/a.example HTTP/1.1\r\nHost: a\r\n{auth}Content-Length: 0\r\n\r\n");
        RawResponse? post = await raw.ReadResponseAsync();
        Assert.Equal(405, post!.Status);
        Assert.Equal("GET, HEAD, PUT, DELETE", post.Header("Allow"));

        await raw.SendAsync($"PUT /v1/domains/b.example HTTP/1.1\r\nHost: a\r\n{auth}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        RawResponse? chunked = await raw.ReadResponseAsync();
        Assert.Equal(411, chunked!.Status);
        Assert.Equal("close", chunked.Header("Connection"));
        Assert.True(await raw.WaitForCloseAsync(TimeSpan.FromSeconds(10)));

        await using RawHttpClient big = await RawHttpClient.ConnectPlainAsync(admin.EndPoint);
        await big.SendAsync($"PUT /v1/domains/b.example HTTP/1.1\r\nHost: a\r\n{auth}Content-Length: 5000\r\n\r\n");
        Assert.Equal(413, (await big.ReadResponseAsync())!.Status);

        await using RawHttpClient malformed = await RawHttpClient.ConnectPlainAsync(admin.EndPoint);
        await malformed.SendAsync("GET /v1/domains HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n");
        RawResponse? bad = await malformed.ReadResponseAsync();
        Assert.Equal(400, bad!.Status);
        Assert.Contains("malformed request", bad.BodyText, StringComparison.Ordinal);
        Assert.Equal(1, admin.Registry.Count);
    }

    [Fact]
    public async Task IdleConnection_IsClosedAfterTheIdleTimeout()
    {
        await using AdminServerFixture admin = AdminServerFixture.Start(configure: o => o with { IdleTimeout = TimeSpan.FromMilliseconds(300) });
        await using RawHttpClient idle = await RawHttpClient.ConnectPlainAsync(admin.EndPoint);
        Assert.True(await idle.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await Eventually.TrueAsync(() => admin.Server.ActiveConnections == 0));
    }

    [Fact]
    public async Task Dispose_ClosesAKeepAliveConnectionAtOnce()
    {
        AdminServerFixture admin = AdminServerFixture.Start(); // the default 10 s idle timeout
        await using RawHttpClient open = await RawHttpClient.ConnectPlainAsync(admin.EndPoint);
        await open.SendAsync($"GET /v1/domains HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {admin.Token}\r\n\r\n");
        Assert.Equal(200, (await open.ReadResponseAsync())!.Status);

        await admin.DisposeAsync();

        // Closed by the drain, not by the idle timeout, which is twice as long as this wait.
        Assert.True(await open.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, admin.Server.ActiveConnections);
    }
}
