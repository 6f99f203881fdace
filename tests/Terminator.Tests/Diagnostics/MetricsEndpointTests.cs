using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Terminator.Admin;
using Terminator.Certificates;
using Terminator.Diagnostics;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Diagnostics;

/// <summary>
/// <c>GET /metrics</c> on a real admin listener over a server that has served a known workload: every counter the
/// workload determines is asserted exactly, parsed from the exposition text; histograms are consistent with their
/// counters.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class MetricsEndpointTests(CertificateAuthorityFixture ca)
{
    private const string EcdsaName = "metrics-ecdsa.test";
    private const string RsaName = "metrics-rsa.test";
    private const int KeepAliveRequests = 5;   // on the first TLS connection
    private const int MoreHandshakes = 3;      // two more ECDSA (TLS 1.3), one RSA (TLS 1.2); one request each
    private const int UnknownNames = 2;
    private const int OutageRequests = 2;      // plain HTTP, upstream gone: 502 each

    [Fact]
    public async Task Scrape_AfterAKnownWorkload_CountsExactly()
    {
        var certificates = new CertificateMap();
        IssuedCertificate ecdsa = ca.Authority.Issue([EcdsaName]);
        IssuedCertificate rsa = ca.Authority.Issue([RsaName], CertificateKeyType.Rsa2048);
        certificates.Set(CertificateLoader.LoadPem(ecdsa.ChainPem, ecdsa.PrivateKeyPem, "test:metrics-ecdsa"));
        certificates.Set(CertificateLoader.LoadPem(rsa.ChainPem, rsa.PrivateKeyPem, "test:metrics-rsa"));
        long soonestExpiry = Math.Min(
            new DateTimeOffset(X509(ecdsa).NotAfter.ToUniversalTime()).ToUnixTimeSeconds(),
            new DateTimeOffset(X509(rsa).NotAfter.ToUniversalTime()).ToUnixTimeSeconds());

        var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, certificates);
        // No token at all: /metrics must not need one.
        await using AdminServer admin = AdminServer.Start(
            new AdminServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), Token = null, DomainsApi = false },
            TerminatorLog.Silent, terminator.Server.Metrics, readiness: null);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{admin.EndPoint}/") };

        // :: The workload.
        await using (RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, EcdsaName, ca.Root))
        {
            for (int i = 0; i < KeepAliveRequests; i++)
            {
                await client.SendAsync($"GET /q/{i} HTTP/1.1\r\nHost: {EcdsaName}\r\n\r\n");
                Assert.Equal(200, (await client.ReadResponseAsync())?.Status);
            }
        }

        foreach ((string name, SslProtocols protocols) in new[] { (EcdsaName, SslProtocols.None), (EcdsaName, SslProtocols.None), (RsaName, SslProtocols.Tls12) })
        {
            await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, name, ca.Root, protocols);
            await client.SendAsync($"GET /f/1 HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n");
            Assert.Equal(200, (await client.ReadResponseAsync())?.Status);
        }

        for (int i = 0; i < UnknownNames; i++)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => RawHttpClient.ConnectTlsAsync(terminator.Https, "unknown.metrics.test", ca.Root));
        }

        await using (RawHttpClient notTls = await RawHttpClient.ConnectPlainAsync(terminator.Https))
        {
            await notTls.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.True(await notTls.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        }

        await upstream.DisposeAsync();
        for (int i = 0; i < OutageRequests; i++)
        {
            await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);
            await client.SendAsync($"GET /q/outage HTTP/1.1\r\nHost: {EcdsaName}\r\n\r\n");
            Assert.Equal(502, (await client.ReadResponseAsync())?.Status);
        }

        Assert.True(await Eventually.TrueAsync(() => terminator.Server.ActiveConnections == 0), "connections still open");
        // Pins are taken on the thread pool after each certificate's first load.
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Certificates.ContextCache.Pins.Held == 2), "SSL_CTX pins not held");

        // :: The scrape.
        using HttpResponseMessage response = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        PrometheusExposition m = PrometheusExposition.Parse(await response.Content.ReadAsStringAsync());

        int handshakes = 1 + MoreHandshakes;
        int requests = KeepAliveRequests + MoreHandshakes;
        Assert.Equal(handshakes + UnknownNames + 1, m.Value("terminator_connections_accepted_total", ("listener", "https")));
        Assert.Equal(OutageRequests, m.Value("terminator_connections_accepted_total", ("listener", "http")));
        Assert.Equal(0, m.Sum("terminator_connections_refused_total"));
        Assert.Equal(0, m.Sum("terminator_connections_open"));

        Assert.Equal(3, m.Value("terminator_tls_handshakes_total", ("result", "ok"), ("version", "1.3"), ("key", "ecdsa")));
        Assert.Equal(1, m.Value("terminator_tls_handshakes_total", ("result", "ok"), ("version", "1.2"), ("key", "rsa")));
        Assert.Equal(0, m.Value("terminator_tls_handshakes_total", ("result", "ok"), ("version", "1.2"), ("key", "ecdsa")));
        Assert.Equal(UnknownNames, m.Value("terminator_tls_handshakes_total", ("result", "unknown_sni")));
        Assert.Equal(1, m.Value("terminator_tls_handshakes_total", ("result", "not_tls")));
        Assert.Equal(handshakes + UnknownNames + 1, m.Sum("terminator_tls_handshakes_total")); // nothing else: no timeout, no error
        AssertHistogram(m, "terminator_tls_handshake_duration_seconds", handshakes);

        Assert.Equal(2, m.Value("terminator_certificate_cache_misses_total"));      // each certificate's first handshake
        Assert.Equal(handshakes - 2, m.Value("terminator_certificate_cache_hits_total"));
        AssertHistogram(m, "terminator_certificate_load_duration_seconds", 2);
        Assert.Equal(2, m.Value("terminator_certificate_loads_total", ("result", "ok")));
        Assert.Equal(0, m.Value("terminator_certificate_loads_total", ("result", "error")));
        Assert.Equal(2, m.Value("terminator_certificate_cache_entries"));
        Assert.Equal(0, m.Value("terminator_certificate_cache_evictions_total"));
        Assert.Equal(2, m.Value("terminator_ssl_context_pins"));
        Assert.Equal(0, m.Value("terminator_ssl_context_pin_failures_total"));
        Assert.Equal(1, m.Value("terminator_runtime_workaround", ("workaround", "chain_build_skip")));
        Assert.Equal(1, m.Value("terminator_runtime_workaround", ("workaround", "ssl_ctx_rent")));
        Assert.Equal(1, m.Value("terminator_runtime_workaround", ("workaround", "record_buffer_release")));
        Assert.Equal(1, m.Value("terminator_runtime_workaround", ("workaround", "bio_buffer_release")));
        Assert.Equal(2, m.Value("terminator_certificates"));
        Assert.Equal(2, m.Value("terminator_certificate_names"));
        Assert.Equal(soonestExpiry, m.Value("terminator_certificate_soonest_expiry_timestamp_seconds"));

        Assert.Equal(requests, m.Value("terminator_http_requests_total", ("status_class", "2xx")));
        Assert.Equal(OutageRequests, m.Value("terminator_http_requests_total", ("status_class", "5xx")));
        Assert.Equal(requests + OutageRequests, m.Sum("terminator_http_requests_total"));
        AssertHistogram(m, "terminator_http_request_duration_seconds", requests + OutageRequests);
        Assert.Equal(0, m.Sum("terminator_http_requests_rejected_total"));

        Assert.Equal(requests + OutageRequests, m.Value("terminator_upstream_requests_total"));
        Assert.Equal(OutageRequests, m.Value("terminator_upstream_errors_total", ("status", "502")));
        Assert.Equal(0, m.Value("terminator_upstream_errors_total", ("status", "504")));
        Assert.Equal(0, m.Value("terminator_upstream_retries_total"));
        Assert.Equal(OutageRequests, m.Value("terminator_upstream_connects_total", ("result", "error")));
        // Each successful request rode a new or a pooled connection; which, depends on when the previous one was returned.
        Assert.Equal(requests, m.Value("terminator_upstream_connects_total", ("result", "ok")) + m.Value("terminator_upstream_reuses_total"));
        Assert.True(m.Value("terminator_upstream_reuses_total") > 0, "no keep-alive reuse upstream");
        Assert.Equal(0, m.Value("terminator_upstream_pool_connections", ("state", "active")));
        Assert.Equal(0, m.Value("terminator_upstream_pool_waiters"));

        // The same numbers through the typed accessors the other tests use.
        Assert.Equal(handshakes, terminator.Server.Metrics.HandshakesCompleted);
        Assert.Equal(OutageRequests, terminator.Server.Metrics.UpstreamErrors);
    }

    [Fact]
    public async Task AdminListener_WithoutToken_ServesProbesAndMetrics_DomainsApiOffSaysWhy()
    {
        using var metrics = new TerminatorMetrics();
        var readiness = new Readiness();
        await using AdminServer admin = AdminServer.Start(
            new AdminServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), Token = null, DomainsApi = false },
            TerminatorLog.Silent, metrics, readiness);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{admin.EndPoint}/") };

        Assert.Equal((HttpStatusCode.OK, "ok\n"), await GetAsync(http, "healthz"));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "starting\n"), await GetAsync(http, "readyz"));
        readiness.MarkReady();
        Assert.Equal((HttpStatusCode.OK, "ready\n"), await GetAsync(http, "readyz"));
        readiness.MarkDraining();
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "draining\n"), await GetAsync(http, "readyz"));
        readiness.MarkReady(); // never back from draining
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "draining\n"), await GetAsync(http, "readyz"));
        Assert.Equal((HttpStatusCode.OK, "ok\n"), await GetAsync(http, "healthz"));

        (HttpStatusCode status, string body) = await GetAsync(http, "metrics");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("# TYPE terminator_tls_handshakes_total counter", body, StringComparison.Ordinal);

        (status, body) = await GetAsync(http, "v1/domains");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("TERMINATOR_ACME=on", body, StringComparison.Ordinal);

        using HttpResponseMessage post = await http.PostAsync("metrics", new StringContent(""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET, HEAD", string.Join(", ", post.Content.Headers.Allow));
    }

    [Fact]
    public async Task Scrape_RuntimeSeries_FollowTheProcess()
    {
        using var metrics = new TerminatorMetrics();
        await using AdminServer admin = AdminServer.Start(
            new AdminServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), Token = null, DomainsApi = false },
            TerminatorLog.Silent, metrics, readiness: null);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{admin.EndPoint}/") };

        PrometheusExposition before = PrometheusExposition.Parse((await GetAsync(http, "metrics")).Body);
        // A full blocking collection: it must show as one more gen2 collection and as pause time.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        long collectionsBefore = GC.CollectionCount(0);
        PrometheusExposition after = PrometheusExposition.Parse((await GetAsync(http, "metrics")).Body);
        long collectionsAfter = GC.CollectionCount(0);

        Assert.True(after.Value("terminator_runtime_gc_collections_total", ("generation", "gen2"))
            >= before.Value("terminator_runtime_gc_collections_total", ("generation", "gen2")) + 1, "gen2 collection not counted");
        Assert.True(after.Value("terminator_runtime_gc_pause_time_seconds_total") > before.Value("terminator_runtime_gc_pause_time_seconds_total"),
            "pause time did not grow over a blocking collection");
        // By oldest generation collected, the series add up to all collections (other tests' collections may fall between).
        Assert.InRange(after.Sum("terminator_runtime_gc_collections_total"), collectionsBefore, collectionsAfter);
        Assert.InRange(after.Value("terminator_runtime_gc_heap_size_bytes"), 1, 64L << 30);
        Assert.True(after.Value("terminator_runtime_gc_allocated_bytes_total") > before.Value("terminator_runtime_gc_allocated_bytes_total"),
            "a scrape allocates, so the allocated bytes must grow between two");
        Assert.InRange(after.Value("terminator_runtime_memory_resident_bytes"), 16L << 20, 64L << 30);
        Assert.True(after.Value("terminator_runtime_thread_pool_threads") >= 1);
        Assert.True(after.Value("terminator_runtime_thread_pool_queue_length") >= 0);

        // Each pause on its own, from the runtime's events, which reach the listener shortly after the collection.
        PrometheusExposition paused = after;
        for (int i = 0; i < 100 && paused.Value("terminator_runtime_gc_pause_duration_seconds_count") < 1; i++)
        {
            await Task.Delay(50);
            paused = PrometheusExposition.Parse((await GetAsync(http, "metrics")).Body);
        }

        Assert.True(paused.Value("terminator_runtime_gc_pause_duration_seconds_count") >= 1, "the forced collection's pause was not observed");
        Assert.InRange(paused.Value("terminator_runtime_gc_pause_duration_seconds_sum"), 1e-7, 60);
    }

    [Fact]
    public async Task DomainsApi_WithAcme_Answers503UntilTheRegistryIsServed()
    {
        using var metrics = new TerminatorMetrics();
        string token = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        Assert.Null(Terminator.Configuration.AdminToken.TryParse(token, "TERMINATOR_ADMIN_TOKEN", out var parsed));
        await using AdminServer admin = AdminServer.Start(
            new AdminServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), Token = parsed, DomainsApi = true },
            TerminatorLog.Silent, metrics, new Readiness());
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{admin.EndPoint}/") };

        // Unauthenticated callers learn nothing more than before; authenticated ones learn to retry.
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(http, "v1/domains")).Status);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        (HttpStatusCode status, string body) = await GetAsync(http, "v1/domains");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("retry shortly", body, StringComparison.Ordinal);

        using var folder = new Terminator.Tests.Domains.RegistryFolder();
        await using Terminator.Domains.ManagedDomainRegistry registry = folder.Open();
        admin.ServeDomains(registry, AdminCallbacks.None);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, "v1/domains")).Status);
        admin.StopServingDomains();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await GetAsync(http, "v1/domains")).Status);
    }

    /// <summary>Buckets never decrease, the +Inf bucket is the count, the count is the number of events.</summary>
    internal static void AssertHistogram(PrometheusExposition m, string family, double events)
    {
        Assert.Equal("histogram", m.Types[family]);
        IReadOnlyList<(string Le, double Count)> buckets = m.Buckets(family);
        Assert.Equal("+Inf", buckets[^1].Le);
        for (int i = 1; i < buckets.Count; i++)
        {
            Assert.True(buckets[i].Count >= buckets[i - 1].Count, $"{family}: bucket le={buckets[i].Le} below le={buckets[i - 1].Le}");
        }

        Assert.Equal(events, buckets[^1].Count);
        Assert.Equal(events, m.Value(family + "_count"));
        Assert.True(events == 0 || m.Value(family + "_sum") > 0, $"{family}: sum of {events} durations is 0");
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient http, string path)
    {
        using HttpResponseMessage response = await http.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 X509(IssuedCertificate issued) =>
        System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(issued.CertificatePem);
}
