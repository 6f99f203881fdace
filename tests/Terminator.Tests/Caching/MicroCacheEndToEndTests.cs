using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Terminator.Configuration;
using Terminator.Tests.AccessLog;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Caching;

/// <summary>
/// TERMINATOR_CACHE_TTL over real sockets: what reaches the tracking server (a scripted upstream that counts the request
/// heads it reads) when the same click arrives again, from another User-Agent, after the TTL, ten times at once, with a
/// Set-Cookie answer, and under a flood of distinct URLs against TERMINATOR_CACHE_MAX_BYTES.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class MicroCacheEndToEndTests(CertificateAuthorityFixture ca) : IDisposable
{
    private const string Site = "site0420.tracking.test";
    private readonly AccessLogFile _log = new();

    public void Dispose() => _log.Dispose();

    private static Func<TerminatorOptions, TerminatorOptions> Cache(TimeSpan ttl, long maxBytes = CacheOptions.DefaultMaxBytes,
        CacheOriginHeaders origin = CacheOriginHeaders.Ignore) =>
        o => o with { Cache = new CacheOptions { Ttl = ttl, MaxBytes = maxBytes, OriginHeaders = origin } };

    /// <summary>A tracking server: 302 for /f/..., the body "ok-N" (N = its request count) otherwise, with
    /// <paramref name="fields"/>; each answer after <paramref name="delay"/>.</summary>
    private static ScriptedUpstream Upstream(string fields = "Cache-Control: no-cache\r\n", TimeSpan delay = default, int bodyPadding = 0)
    {
        int served = 0;
        return new ScriptedUpstream(async connection =>
        {
            while (await connection.ReadRequestAsync() is { } head)
            {
                int n = Interlocked.Increment(ref served);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay);
                }

                if (head.Split(' ')[1].StartsWith("/f/", StringComparison.Ordinal))
                {
                    await connection.SendAsync($"HTTP/1.1 302 Found\r\nLocation: https://shop.example/sale\r\n{fields}Content-Length: 0\r\n\r\n");
                    continue;
                }

                string body = $"ok-{n}" + new string('x', bodyPadding);
                bool isHead = head.StartsWith("HEAD ", StringComparison.Ordinal);
                await connection.SendAsync($"HTTP/1.1 200 OK\r\n{fields}Content-Length: {body.Length}\r\n\r\n{(isHead ? "" : body)}");
            }
        });
    }

    private static async Task<RawResponse> GetAsync(RawHttpClient client, string target, string? userAgent = "Scanner/1.0", string extra = "")
    {
        string ua = userAgent is null ? "" : $"User-Agent: {userAgent}\r\n";
        await client.SendAsync($"GET {target} HTTP/1.1\r\nHost: {Site}\r\n{ua}{extra}\r\n");
        return (await client.ReadResponseAsync())!;
    }

    [Fact]
    public async Task SameClickTwice_WithinTtl_SameUserAgent_ReachesUpstreamOnce_SecondCarriesAge()
    {
        await using ScriptedUpstream upstream = Upstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates,
            o => Cache(TimeSpan.FromSeconds(10))(o) with { AccessLog = _log.Options() });
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        RawResponse first = await GetAsync(client, "/f/c?rid=42&u=7");
        RawResponse second = await GetAsync(client, "/f/c?rid=42&u=7");

        Assert.Single(upstream.Heads);
        Assert.Equal((302, 302), (first.Status, second.Status));
        Assert.Equal("https://shop.example/sale", second.Header("Location"));
        Assert.Null(first.Header("Age"));
        Assert.Equal("0", second.Header("Age"));
        Assert.Equal("no-cache", second.Header("Cache-Control")); // the origin's header relayed, its advice overridden

        RawResponse open = await GetAsync(client, "/q/o.gif?rid=42");
        RawResponse reopened = await GetAsync(client, "/q/o.gif?rid=42");
        Assert.Equal(2, upstream.Heads.Count);
        Assert.Equal(("ok-2", "ok-2"), (open.BodyText, reopened.BodyText));
        Assert.Equal(2, terminator.Server.Metrics.CacheHits);
        Assert.Equal(2, terminator.Server.Metrics.CacheMisses);
        Assert.Equal(2, terminator.Server.Metrics.Requests); // terminator.upstream.requests: hits are not forwarded

        IReadOnlyList<string> lines = await _log.WaitForLinesAsync(4);
        CombinedLine hit = CombinedLine.Parse(lines[1]);
        Assert.Equal(["MISS", "HIT", "MISS", "HIT"], lines.Select(l => CombinedLine.Parse(l).CacheStatus));
        Assert.Equal((302, "-", "-"), (hit.Status, hit.UpstreamAddress, hit.UpstreamStatus));
        Assert.Equal((200, 4L), (CombinedLine.Parse(lines[3]).Status, CombinedLine.Parse(lines[3]).BodyBytesSent));
    }

    [Fact]
    public async Task DifferentUserAgentOrQuery_ReachesUpstreamAgain()
    {
        await using ScriptedUpstream upstream = Upstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Cache(TimeSpan.FromSeconds(10)));
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        Assert.Equal("ok-1", (await GetAsync(client, "/q/o.gif?rid=1", "Scanner/1.0")).BodyText);
        Assert.Equal("ok-2", (await GetAsync(client, "/q/o.gif?rid=1", "Mozilla/5.0 (Human)")).BodyText);
        Assert.Equal("ok-3", (await GetAsync(client, "/q/o.gif?rid=2", "Scanner/1.0")).BodyText);
        Assert.Equal("ok-4", (await GetAsync(client, "/q/o.gif?rid=1", userAgent: null)).BodyText);
        Assert.Equal("ok-5", (await GetAsync(client, "/q/o.gif?rid=1", "scanner/1.0")).BodyText); // byte-exact: case counts

        Assert.Equal("ok-2", (await GetAsync(client, "/q/o.gif?rid=1", "Mozilla/5.0 (Human)")).BodyText);
        Assert.Equal("ok-4", (await GetAsync(client, "/q/o.gif?rid=1", userAgent: null)).BodyText);
        Assert.Equal(5, upstream.Heads.Count);
    }

    [Fact]
    public async Task AfterTtl_ReachesUpstreamAgain_AndTheLogSaysExpired()
    {
        await using ScriptedUpstream upstream = Upstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates,
            o => Cache(TimeSpan.FromSeconds(1))(o) with { AccessLog = _log.Options() });
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        Assert.Equal("ok-1", (await GetAsync(client, "/q/o.gif?rid=9")).BodyText);
        Assert.Equal("ok-1", (await GetAsync(client, "/q/o.gif?rid=9")).BodyText);
        await Task.Delay(TimeSpan.FromMilliseconds(1300)); // the TTL itself is what is under test
        RawResponse after = await GetAsync(client, "/q/o.gif?rid=9");

        Assert.Equal("ok-2", after.BodyText);
        Assert.Null(after.Header("Age"));
        Assert.Equal(2, upstream.Heads.Count);
        IReadOnlyList<string> lines = await _log.WaitForLinesAsync(3);
        Assert.Equal(["MISS", "HIT", "EXPIRED"], lines.Select(l => CombinedLine.Parse(l).CacheStatus));
    }

    [Fact]
    public async Task TenConcurrentIdenticalRequests_ReachUpstreamOnce()
    {
        // The origin takes 500 ms, so every one of the ten is in flight while the first is still upstream.
        await using ScriptedUpstream upstream = Upstream(delay: TimeSpan.FromMilliseconds(500));
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Cache(TimeSpan.FromSeconds(10)));
        var clients = new List<RawHttpClient>();
        try
        {
            for (int i = 0; i < 10; i++)
            {
                clients.Add(await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root));
            }

            RawResponse[] responses = await Task.WhenAll(clients.Select(c => GetAsync(c, "/q/o.gif?rid=10")));

            Assert.All(responses, r => Assert.Equal((200, "ok-1"), (r.Status, r.BodyText)));
            Assert.Single(upstream.Heads);
            Assert.Equal(9, terminator.Server.Metrics.CacheCoalesced + terminator.Server.Metrics.CacheHits);
            Assert.True(terminator.Server.Metrics.CacheCoalesced > 0);
            Assert.Equal(9, responses.Count(r => r.Header("Age") == "0"));
        }
        finally
        {
            foreach (RawHttpClient client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ConcurrentRequests_ForAnUncacheableAnswer_EachGoUpstream()
    {
        await using ScriptedUpstream upstream = Upstream("Set-Cookie: sid=1\r\n", delay: TimeSpan.FromMilliseconds(300));
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Cache(TimeSpan.FromSeconds(10)));
        var clients = new List<RawHttpClient>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                clients.Add(await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root));
            }

            RawResponse[] responses = await Task.WhenAll(clients.Select(c => GetAsync(c, "/q/o.gif?rid=11")));

            Assert.All(responses, r => Assert.Equal("sid=1", r.Header("Set-Cookie")));
            Assert.Equal(3, upstream.Heads.Count);
            Assert.Equal(3, responses.Select(r => r.BodyText).Distinct().Count());
        }
        finally
        {
            foreach (RawHttpClient client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task SetCookie_NeverCached()
    {
        await using ScriptedUpstream upstream = Upstream("set-cookie: uid=abc; Secure\r\n");
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Cache(TimeSpan.FromSeconds(10)));
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        for (int i = 1; i <= 3; i++)
        {
            RawResponse response = await GetAsync(client, "/q/o.gif?rid=12");
            Assert.Equal($"ok-{i}", response.BodyText);
            Assert.Equal("uid=abc; Secure", response.Header("Set-Cookie"));
            Assert.Null(response.Header("Age"));
        }

        Assert.Equal(0, terminator.Server.Metrics.CacheBytes);
    }

    [Fact]
    public async Task Bypass_AuthorizationNoCacheAndPost_AlwaysReachUpstream()
    {
        await using ScriptedUpstream upstream = Upstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Cache(TimeSpan.FromSeconds(10)));
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        for (int i = 0; i < 2; i++)
        {
            Assert.Null((await GetAsync(client, "/q/a", extra: "Authorization: Bearer x\r\n")).Header("Age"));
            Assert.Null((await GetAsync(client, "/q/b", extra: "Cache-Control: max-age=0, no-cache\r\n")).Header("Age"));
            Assert.Null((await GetAsync(client, "/q/c", extra: "Pragma: no-cache\r\n")).Header("Age"));
            await client.SendAsync($"POST /q/d HTTP/1.1\r\nHost: {Site}\r\nContent-Length: 2\r\n\r\nhi");
            Assert.Null((await client.ReadResponseAsync())!.Header("Age"));
        }

        Assert.Equal(8, upstream.Heads.Count);
        Assert.Equal(8, terminator.Server.Metrics.CacheBypasses);
        Assert.Equal(0, terminator.Server.Metrics.CacheBytes);
    }

    [Fact]
    public async Task PlainHttp_IsCachedToo_SeparatelyFromHttps()
    {
        await using ScriptedUpstream upstream = Upstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Cache(TimeSpan.FromSeconds(10)));
        await using RawHttpClient plain = await RawHttpClient.ConnectPlainAsync(terminator.Http);
        await using RawHttpClient tls = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        Assert.Equal("ok-1", (await GetAsync(plain, "/q/o.gif?rid=13")).BodyText);
        RawResponse again = await GetAsync(plain, "/q/o.gif?rid=13");
        Assert.Equal(("ok-1", "0"), (again.BodyText, again.Header("Age")));
        // The origin sees the scheme (X-Forwarded-Proto) and may answer differently: https:// is its own key.
        Assert.Equal("ok-2", (await GetAsync(tls, "/q/o.gif?rid=13")).BodyText);
        Assert.Equal(2, upstream.Heads.Count);
    }

    [Fact]
    public async Task Respect_OriginNoCacheKeepsItOut_IgnoreStoresIt()
    {
        await using ScriptedUpstream upstream = Upstream("Cache-Control: private, no-cache\r\n");
        await using (var respecting = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Cache(TimeSpan.FromSeconds(10), origin: CacheOriginHeaders.Respect)))
        await using (RawHttpClient client = await RawHttpClient.ConnectTlsAsync(respecting.Https, Site, ca.Root))
        {
            Assert.Equal("ok-1", (await GetAsync(client, "/q/o.gif?rid=14")).BodyText);
            Assert.Equal("ok-2", (await GetAsync(client, "/q/o.gif?rid=14")).BodyText);
        }

        await using var ignoring = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Cache(TimeSpan.FromSeconds(10)));
        await using RawHttpClient other = await RawHttpClient.ConnectTlsAsync(ignoring.Https, Site, ca.Root);
        Assert.Equal("ok-3", (await GetAsync(other, "/q/o.gif?rid=14")).BodyText);
        Assert.Equal("ok-3", (await GetAsync(other, "/q/o.gif?rid=14")).BodyText);
    }

    [Fact]
    public async Task FloodOfDistinctUrls_StaysWithinMaxBytes_EvictingTheOldest()
    {
        const long maxBytes = 64 * 1024;
        // ~1.2 KiB per entry with key, head and overhead: 400 URLs are some 7x the budget.
        await using ScriptedUpstream upstream = Upstream(bodyPadding: 900);
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Cache(TimeSpan.FromSeconds(60), maxBytes));
        var peaks = new ConcurrentBag<long>();
        var clients = new List<RawHttpClient>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                clients.Add(await RawHttpClient.ConnectPlainAsync(terminator.Http));
            }

            await Task.WhenAll(clients.Select(async (client, c) =>
            {
                for (int i = 0; i < 100; i++)
                {
                    RawResponse response = await GetAsync(client, $"/q/o.gif?rid={c}-{i}");
                    Assert.Equal(200, response.Status);
                    peaks.Add(terminator.Server.Metrics.CacheBytes);
                }
            }));
        }
        finally
        {
            foreach (RawHttpClient client in clients)
            {
                await client.DisposeAsync();
            }
        }

        // Four connections store at once, so a sample may catch up to three entries not yet swept; at rest, none.
        Assert.All(peaks, bytes => Assert.InRange(bytes, 0, maxBytes + (3 * 2048)));
        Assert.InRange(terminator.Server.Metrics.CacheBytes, maxBytes / 2, maxBytes);
        Assert.True(terminator.Server.Metrics.CacheEvictions >= 300, $"evictions: {terminator.Server.Metrics.CacheEvictions}");

        // The oldest are gone; a new one still finds room.
        await using RawHttpClient probe = await RawHttpClient.ConnectPlainAsync(terminator.Http);
        Assert.Null((await GetAsync(probe, "/q/o.gif?rid=0-0")).Header("Age"));
        Assert.Null((await GetAsync(probe, "/q/o.gif?rid=last")).Header("Age"));
        Assert.NotNull((await GetAsync(probe, "/q/o.gif?rid=last")).Header("Age"));
        Assert.InRange(terminator.Server.Metrics.CacheBytes, 0, maxBytes);
    }

    [Fact]
    public async Task Start_LogsWhatTheCacheWillDo_OnlyWhenOn()
    {
        await using ScriptedUpstream upstream = Upstream();
        var on = new LogLines(LogLevel.Information);
        var off = new LogLines(LogLevel.Information);
        await using (TestTerminator.Start(upstream.EndPoint, ca.Certificates, Cache(TimeSpan.FromSeconds(10), 1024 * 1024), log: on.Log))
        await using (TestTerminator.Start(upstream.EndPoint, ca.Certificates, log: off.Log))
        {
        }

        on.Log.Dispose(); // flushes the sink: every line written is in Lines now
        off.Log.Dispose();
        Assert.Contains(on.Lines, l => l.Contains("[cache] micro-cache on: TTL 10s, up to 1048576 bytes, origin Cache-Control ignored", StringComparison.Ordinal));
        Assert.DoesNotContain(off.Lines, l => l.Contains("micro-cache", StringComparison.Ordinal));
    }
}
