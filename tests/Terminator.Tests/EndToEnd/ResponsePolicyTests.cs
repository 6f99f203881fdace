using System.Net;
using System.Net.Sockets;
using Terminator.Acme;
using Terminator.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// TERMINATOR_HSTS and TERMINATOR_SERVER_HEADER over real sockets, asserting on the response heads a client reads:
/// Strict-Transport-Security on every HTTPS response (proxied, the terminator's own errors, ACME answers), once, never on
/// plain HTTP; the upstream's Server / X-Powered-By banners removed however often and in whatever case they appear (or
/// relayed with 'pass'); and no Server field on anything the terminator says itself.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class ResponsePolicyTests(CertificateAuthorityFixture ca)
{
    private const string Site = "site0310.tracking.test";
    private const string Hsts = "max-age=31536000; includeSubDomains";

    private static Func<TerminatorOptions, TerminatorOptions> Policy(string? hsts = Hsts, bool strip = true) =>
        o => o with { Responses = o.Responses with { StrictTransportSecurity = hsts, StripServerHeaders = strip } };

    /// <summary>An upstream answering every request with <paramref name="fields"/> and a 2-byte body (none for HEAD).</summary>
    private static ScriptedUpstream Upstream(string fields) => new(async connection =>
    {
        while (await connection.ReadRequestAsync() is { } head)
        {
            bool isHead = head.StartsWith("HEAD ", StringComparison.Ordinal);
            await connection.SendAsync($"HTTP/1.1 200 OK\r\n{fields}Content-Length: 2\r\n\r\n{(isHead ? "" : "ok")}");
        }
    });

    /// <summary>Every value of <paramref name="name"/> in the head, in order (RawResponse.Header gives only the first).</summary>
    private static List<string> Values(RawResponse response, string name) =>
        [.. response.Head.Split("\r\n").Skip(1)
            .Where(line => line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            .Select(line => line[(name.Length + 1)..].Trim())];

    [Fact]
    public async Task Hsts_EveryHttpsResponse_OnceAndNeverOnPlainHttp()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Policy());
        await using RawHttpClient tls = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);
        await using RawHttpClient plain = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        for (int i = 0; i < 3; i++)
        {
            await tls.SendAsync($"GET /f/{i} HTTP/1.1\r\nHost: {Site}\r\n\r\n");
            RawResponse response = (await tls.ReadResponseAsync())!;
            Assert.Equal(200, response.Status);
            Assert.Equal([Hsts], Values(response, "Strict-Transport-Security"));
            Assert.Equal("ok", response.BodyText);
        }

        await tls.SendAsync($"HEAD /f/head HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        Assert.Equal([Hsts], Values((await tls.ReadResponseAsync(requestWasHead: true))!, "Strict-Transport-Security"));

        await plain.SendAsync($"GET /f/plain HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        RawResponse overHttp = (await plain.ReadResponseAsync())!;
        Assert.Equal(200, overHttp.Status);
        Assert.Empty(Values(overHttp, "Strict-Transport-Security"));
    }

    [Fact]
    public async Task Hsts_UpstreamSendsItsOwn_RelayedAndNotDuplicated()
    {
        await using ScriptedUpstream upstream = Upstream("strict-transport-security: max-age=60\r\n");
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Policy());
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync($"GET /f/1 HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        RawResponse response = (await client.ReadResponseAsync())!;

        Assert.Equal(200, response.Status);
        Assert.Equal(["max-age=60"], Values(response, "Strict-Transport-Security"));
    }

    [Fact]
    public async Task Hsts_OnTerminatorsOwn502And421OverHttps_NotOver502OnPlainHttp()
    {
        IPEndPoint closedPort = FreePort();
        await using var terminator = TestTerminator.Start(closedPort, ca.Certificates, Policy());

        await using (RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root))
        {
            await client.SendAsync($"GET /f/x HTTP/1.1\r\nHost: {Site}\r\n\r\n");
            RawResponse response = (await client.ReadResponseAsync())!;
            Assert.Equal(502, response.Status);
            Assert.Equal([Hsts], Values(response, "Strict-Transport-Security"));
            Assert.Equal("close", response.Header("Connection"));
            Assert.Equal("502 Bad Gateway\n", response.BodyText);
        }

        await using (RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root))
        {
            await client.SendAsync("GET /f/x HTTP/1.1\r\nHost: site0311.tracking.test\r\n\r\n");
            RawResponse response = (await client.ReadResponseAsync())!;
            Assert.Equal(421, response.Status);
            Assert.Equal([Hsts], Values(response, "Strict-Transport-Security"));
        }

        await using (RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http))
        {
            await client.SendAsync($"GET /f/x HTTP/1.1\r\nHost: {Site}\r\n\r\n");
            RawResponse response = (await client.ReadResponseAsync())!;
            Assert.Equal(502, response.Status);
            Assert.Empty(Values(response, "Strict-Transport-Security"));
        }
    }

    [Fact]
    public async Task Hsts_AcmeChallengeAnsweredOverHttps_CarriesIt_OverHttp_DoesNot()
    {
        var challenges = new AcmeChallengeTable();
        challenges.AddHttp01("tok-1", "tok-1.thumbprint");
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Policy(), challenges: challenges);
        await using RawHttpClient tls = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);
        await using RawHttpClient plain = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await tls.SendAsync($"GET /.well-known/acme-challenge/tok-1 HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        RawResponse overTls = (await tls.ReadResponseAsync())!;
        await plain.SendAsync($"GET /.well-known/acme-challenge/tok-1 HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        RawResponse overHttp = (await plain.ReadResponseAsync())!;

        Assert.Equal((200, "tok-1.thumbprint"), (overTls.Status, overTls.BodyText));
        Assert.Equal([Hsts], Values(overTls, "Strict-Transport-Security"));
        Assert.Equal((200, "tok-1.thumbprint"), (overHttp.Status, overHttp.BodyText));
        Assert.Empty(Values(overHttp, "Strict-Transport-Security"));
        Assert.Empty(Values(overTls, "Server"));
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Hsts_Unset_NoneAnywhere()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Policy(hsts: null));
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync($"GET /f/1 HTTP/1.1\r\nHost: {Site}\r\n\r\n");

        Assert.Empty(Values((await client.ReadResponseAsync())!, "Strict-Transport-Security"));
    }

    [Fact]
    public async Task ServerHeader_Strip_EveryCopyAnyCase_BothPorts_OtherFieldsKept()
    {
        await using ScriptedUpstream upstream = Upstream(
            "Server: nginx/1.25.3\r\nX-Powered-By: PHP/8.3.1\r\nsErVeR: Apache/2.4.58 (Debian)\r\nx-powered-by: Express\r\n" +
            "SERVER: third\r\nServer-Timing: app;dur=3\r\nX-Served-By: cache-fra\r\n");
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Policy(hsts: null));
        await using RawHttpClient tls = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);
        await using RawHttpClient plain = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        foreach (RawHttpClient client in new[] { tls, plain })
        {
            await client.SendAsync($"GET /f/1 HTTP/1.1\r\nHost: {Site}\r\n\r\n");
            RawResponse response = (await client.ReadResponseAsync())!;

            Assert.Equal(200, response.Status);
            Assert.Empty(Values(response, "Server"));
            Assert.Empty(Values(response, "X-Powered-By"));
            Assert.Equal(["app;dur=3"], Values(response, "Server-Timing"));
            Assert.Equal(["cache-fra"], Values(response, "X-Served-By"));
            Assert.Equal("ok", response.BodyText);
        }
    }

    [Fact]
    public async Task ServerHeader_Pass_RelayedAsSent()
    {
        await using ScriptedUpstream upstream = Upstream("Server: nginx/1.25.3\r\nX-Powered-By: PHP/8.3.1\r\nsErVeR: second\r\n");
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Policy(hsts: null, strip: false));
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync($"GET /f/1 HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        RawResponse response = (await client.ReadResponseAsync())!;

        Assert.Equal(["nginx/1.25.3", "second"], Values(response, "Server"));
        Assert.Equal(["PHP/8.3.1"], Values(response, "X-Powered-By"));
        Assert.Contains("\r\nsErVeR: second\r\n", response.Head, StringComparison.Ordinal); // byte for byte
    }

    [Fact]
    public async Task OwnResponses_400_408_414_421_431_502_504_100_NoServerFieldOrBanner()
    {
        await using var stalled = new RecordingUpstream(UpstreamBehavior.Stall);
        await using var terminator = TestTerminator.Start(stalled.EndPoint, ca.Certificates, o => Policy()(o) with
        {
            HeaderTimeout = TimeSpan.FromMilliseconds(400),
            UpstreamTimeout = TimeSpan.FromMilliseconds(400),
            MaxHeaderBytes = 4096,
            MaxRequestTargetLength = 1024,
        });
        await using var downUpstream = TestTerminator.Start(FreePort(), ca.Certificates, Policy());
        (TestTerminator Server, string Request, int Status)[] cases =
        [
            (terminator, $"GET /f/x HTTP/1.1\r\nHost: {Site}\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            (terminator, $"GET /f/x HTTP/1.1\r\nHost: {Site}\r\n", 408),
            (terminator, $"GET /{new string('t', 2000)} HTTP/1.1\r\nHost: {Site}\r\n\r\n", 414),
            (terminator, "GET /f/x HTTP/1.1\r\nHost: site0311.tracking.test\r\n\r\n", 421),
            (terminator, $"GET / HTTP/1.1\r\nHost: {Site}\r\nCookie: {new string('c', 8000)}\r\n\r\n", 431),
            (terminator, $"GET /f/x HTTP/1.1\r\nHost: {Site}\r\n\r\n", 504),
            (downUpstream, $"GET /f/x HTTP/1.1\r\nHost: {Site}\r\n\r\n", 502),
        ];
        foreach ((TestTerminator server, string request, int status) in cases)
        {
            await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(server.Https, Site, ca.Root);
            await client.SendAsync(request);
            RawResponse response = (await client.ReadResponseAsync(timeout: TimeSpan.FromSeconds(5)))!;

            Assert.Equal(status, response.Status);
            AssertNoBanner(response);
        }

        // 100 Continue is the terminator's own too (sent once an upstream connection is rented).
        await using RawHttpClient expecting = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);
        await expecting.SendAsync($"POST /f/x HTTP/1.1\r\nHost: {Site}\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
        RawResponse interim = (await expecting.ReadResponseAsync())!;
        Assert.Equal(100, interim.Status);
        AssertNoBanner(interim);
        Assert.Empty(Values(interim, "Strict-Transport-Security")); // final responses only
    }

    private static void AssertNoBanner(RawResponse response)
    {
        Assert.Empty(Values(response, "Server"));
        Assert.Empty(Values(response, "X-Powered-By"));
        Assert.DoesNotContain("terminator", response.Head + response.BodyText, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("kestrel", response.Head + response.BodyText, StringComparison.OrdinalIgnoreCase);
    }

    private static IPEndPoint FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }
}
