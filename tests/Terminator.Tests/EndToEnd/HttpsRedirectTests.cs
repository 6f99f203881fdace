using Terminator.Acme;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// TERMINATOR_HTTP_REDIRECT over real sockets: with 'on', plain HTTP answers 301 to https:// for a Host a served, valid
/// certificate covers (the test's HTTPS port is not 443, so the Location names it), keeping the target byte for byte;
/// ACME challenges, unknown hosts, expired certificates and requests with a body are proxied as with 'off'; the HTTPS
/// port never redirects.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class HttpsRedirectTests(CertificateAuthorityFixture ca)
{
    private const string Site = "site0320.tracking.test";

    private static TerminatorOptions RedirectOn(TerminatorOptions o) => o with { Responses = o.Responses with { RedirectHttpToHttps = true } };

    private TestTerminator Start(RecordingUpstream upstream, CertificateMap? certificates = null, AcmeChallengeTable? challenges = null) =>
        TestTerminator.Start(upstream.EndPoint, certificates ?? ca.Certificates, RedirectOn, challenges: challenges);

    [Fact]
    public async Task CoveredHost_301ToHttpsWithTheHttpsPort_KeepAlive_NothingForwarded()
    {
        await using var upstream = new RecordingUpstream();
        await using TestTerminator terminator = Start(upstream);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync($"GET /f/abc?u=https%3A%2F%2Fshop.example%2F&x=1 HTTP/1.1\r\nHost: {Site}:{terminator.Http.Port}\r\n\r\n");
        RawResponse first = (await client.ReadResponseAsync())!;
        await client.SendAsync($"HEAD /q/open.gif HTTP/1.1\r\nHost: SITE0320.Tracking.Test.\r\n\r\n");
        RawResponse second = (await client.ReadResponseAsync(requestWasHead: true))!;

        Assert.Equal(301, first.Status);
        Assert.StartsWith("HTTP/1.1 301 Moved Permanently\r\n", first.Head, StringComparison.Ordinal);
        Assert.Equal($"https://{Site}:{terminator.Https.Port}/f/abc?u=https%3A%2F%2Fshop.example%2F&x=1", first.Header("Location"));
        Assert.Equal("0", first.Header("Content-Length"));
        Assert.Null(first.Header("Connection"));
        Assert.Null(first.Header("Server"));
        Assert.Null(first.Header("Strict-Transport-Security")); // never over plain HTTP
        Assert.Equal(301, second.Status);   // same connection: kept alive
        Assert.Equal($"https://{Site}:{terminator.Https.Port}/q/open.gif", second.Header("Location"));
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task AbsoluteFormTarget_RedirectsToItsOriginForm()
    {
        await using var upstream = new RecordingUpstream();
        await using TestTerminator terminator = Start(upstream);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync($"GET http://{Site}/f/x?u=1&v=%20 HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        RawResponse response = (await client.ReadResponseAsync())!;
        await client.SendAsync($"GET http://{Site}?only=query HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        RawResponse emptyPath = (await client.ReadResponseAsync())!;

        Assert.Equal($"https://{Site}:{terminator.Https.Port}/f/x?u=1&v=%20", response.Header("Location"));
        Assert.Equal($"https://{Site}:{terminator.Https.Port}/?only=query", emptyPath.Header("Location"));
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task WildcardCoveredHost_Redirected_OneLabelOnly()
    {
        await using var upstream = new RecordingUpstream();
        await using TestTerminator terminator = Start(upstream);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /f/1 HTTP/1.1\r\nHost: click.wild.test\r\n\r\n");
        RawResponse covered = (await client.ReadResponseAsync())!;
        await client.SendAsync("GET /f/2 HTTP/1.1\r\nHost: a.click.wild.test\r\n\r\n");
        RawResponse notCovered = (await client.ReadResponseAsync())!;

        Assert.Equal(301, covered.Status);
        Assert.Equal($"https://click.wild.test:{terminator.Https.Port}/f/1", covered.Header("Location"));
        Assert.Equal(200, notCovered.Status);
        Assert.Equal(["a.click.wild.test"], Assert.Single(upstream.Requests).Values("Host"));
    }

    [Theory]
    [InlineData("unknown.example")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]:80")]
    [InlineData("evil.example/")]
    public async Task HostWithoutACertificate_Proxied(string host)
    {
        await using var upstream = new RecordingUpstream();
        await using TestTerminator terminator = Start(upstream);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync($"GET /f/1 HTTP/1.1\r\nHost: {host}\r\n\r\n");
        RawResponse response = (await client.ReadResponseAsync())!;

        if (host.EndsWith('/'))
        {
            Assert.Equal(400, response.Status); // not a Host at all: rejected before any policy
            Assert.Empty(upstream.Requests);
            return;
        }

        Assert.Equal(200, response.Status);
        Assert.Null(response.Header("Location"));
        Assert.Equal([host], Assert.Single(upstream.Requests).Values("Host"));
    }

    [Fact]
    public async Task AcmeChallenge_AnsweredOrProxied_NeverRedirected()
    {
        var challenges = new AcmeChallengeTable();
        challenges.AddHttp01("known-token", "known-token.thumbprint");
        await using var upstream = new RecordingUpstream();
        await using TestTerminator terminator = Start(upstream, challenges: challenges);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync($"GET /.well-known/acme-challenge/known-token HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        RawResponse answered = (await client.ReadResponseAsync())!;
        await client.SendAsync($"GET /.well-known/acme-challenge/another-nodes-token HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        RawResponse proxied = (await client.ReadResponseAsync())!;
        await client.SendAsync($"GET /.well-known/other HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        RawResponse redirected = (await client.ReadResponseAsync())!;

        Assert.Equal((200, "known-token.thumbprint"), (answered.Status, answered.BodyText));
        Assert.Equal(200, proxied.Status);
        Assert.StartsWith("GET /.well-known/acme-challenge/another-nodes-token ", Assert.Single(upstream.Requests).Head, StringComparison.Ordinal);
        Assert.Equal(301, redirected.Status);
    }

    [Fact]
    public async Task RedirectOff_CoveredHost_Proxied()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync($"GET /f/1 HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        RawResponse response = (await client.ReadResponseAsync())!;

        Assert.Equal(200, response.Status);
        Assert.Null(response.Header("Location"));
        Assert.Single(upstream.Requests);
    }

    [Fact]
    public async Task HttpsPort_NeverRedirects()
    {
        await using var upstream = new RecordingUpstream();
        await using TestTerminator terminator = Start(upstream);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync($"GET /f/1 HTTP/1.1\r\nHost: {Site}\r\n\r\n");

        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        Assert.Single(upstream.Requests);
    }

    [Fact]
    public async Task RequestWithBody_Proxied_BodyIntact()
    {
        await using var upstream = new RecordingUpstream();
        await using TestTerminator terminator = Start(upstream);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync($"POST /f/form HTTP/1.1\r\nHost: {Site}\r\nContent-Length: 5\r\n\r\nhello");
        RawResponse response = (await client.ReadResponseAsync())!;

        Assert.Equal(200, response.Status);
        Assert.Equal("hello"u8.ToArray(), Assert.Single(upstream.Requests).Body);
    }

    [Fact]
    public async Task ConnectionRules_Http10KeepAliveAnnounced_CloseHonoured()
    {
        await using var upstream = new RecordingUpstream();
        await using TestTerminator terminator = Start(upstream);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync($"GET /f/1 HTTP/1.0\r\nHost: {Site}\r\nConnection: keep-alive\r\n\r\n");
        RawResponse http10 = (await client.ReadResponseAsync())!;
        await client.SendAsync($"GET /f/2 HTTP/1.1\r\nHost: {Site}\r\nConnection: close\r\n\r\n");
        RawResponse closing = (await client.ReadResponseAsync())!;

        Assert.Equal((301, "keep-alive"), (http10.Status, http10.Header("Connection")));
        Assert.Equal((301, "close"), (closing.Status, closing.Header("Connection")));
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task ExpiredOrNotYetValidCertificate_Proxied_ValidOneRedirected()
    {
        var certificates = new CertificateMap();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        Add(certificates, "valid.redirect.test", now.AddDays(-1), now.AddDays(30));
        Add(certificates, "expired.redirect.test", now.AddDays(-60), now.AddDays(-1));
        Add(certificates, "future.redirect.test", now.AddDays(1), now.AddDays(60));
        await using var upstream = new RecordingUpstream();
        await using TestTerminator terminator = Start(upstream, certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        var statuses = new List<int>();
        foreach (string host in new[] { "valid.redirect.test", "expired.redirect.test", "future.redirect.test" })
        {
            await client.SendAsync($"GET /f/1 HTTP/1.1\r\nHost: {host}\r\n\r\n");
            statuses.Add((await client.ReadResponseAsync())!.Status);
        }

        Assert.Equal([301, 200, 200], statuses);
        Assert.Equal(2, upstream.Requests.Count);
    }

    [ToolFact("curl")]
    public async Task Curl_FollowsTheRedirect_ThenSeesHstsAndNoServerBanner()
    {
        using var temp = new TempDirectory("redirect-ca");
        string caPath = temp.PathOf("ca.pem");
        await File.WriteAllTextAsync(caPath, ca.Authority.CertificatePem);
        await using var upstream = new ScriptedUpstream(async connection =>
        {
            while (await connection.ReadRequestAsync() is not null)
            {
                await connection.SendAsync("HTTP/1.1 200 OK\r\nServer: nginx/1.25.3\r\nX-Powered-By: PHP/8.3.1\r\nContent-Type: image/gif\r\nContent-Length: 43\r\n\r\n");
            }
        });
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => RedirectOn(o) with
        {
            Responses = RedirectOn(o).Responses with { StrictTransportSecurity = "max-age=31536000; includeSubDomains" },
        });
        int http = terminator.Http.Port;
        int https = terminator.Https.Port;

        (int exit, string output) = await DaemonProcess.RunToolAsync("curl",
            ["-sIL", "--max-redirs", "1", "--cacert", caPath, "--resolve", $"{Site}:{http}:127.0.0.1", "--resolve", $"{Site}:{https}:127.0.0.1",
             $"http://{Site}:{http}/q/open.gif?m=42&u=a%2Fb"],
            timeout: TimeSpan.FromSeconds(20));

        Assert.True(exit == 0, output);
        string[] heads = output.ReplaceLineEndings("\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, heads.Length);
        Assert.StartsWith("HTTP/1.1 301 Moved Permanently\n", heads[0], StringComparison.Ordinal);
        Assert.Contains($"\nLocation: https://{Site}:{https}/q/open.gif?m=42&u=a%2Fb\n", heads[0] + "\n", StringComparison.Ordinal);
        Assert.DoesNotContain("Strict-Transport-Security", heads[0], StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("HTTP/1.1 200 OK\n", heads[1], StringComparison.Ordinal);
        Assert.Contains("\nStrict-Transport-Security: max-age=31536000; includeSubDomains\n", heads[1] + "\n", StringComparison.Ordinal);
        Assert.Contains("\nContent-Type: image/gif\n", heads[1], StringComparison.Ordinal);
        Assert.DoesNotContain("\nServer:", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("X-Powered-By", output, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("HEAD /q/open.gif?m=42&u=a%2Fb HTTP/1.1", Assert.Single(upstream.Heads), StringComparison.Ordinal);
    }

    private void Add(CertificateMap certificates, string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        IssuedCertificate issued = ca.Authority.Issue([name], CertificateKeyType.EcdsaP256, notBefore, notAfter);
        certificates.Set(CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, $"test:{name}"));
    }
}
