using System.Net;
using System.Net.Sockets;
using System.Text;
using Terminator.Acme;
using Terminator.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.AccessLog;

/// <summary>Real requests through the in-process terminator over TLS and plain HTTP, and the combined lines they leave,
/// read back field by field.</summary>
[Collection(EndToEndTests.Name)]
public sealed class AccessLogEndToEndTests(CertificateAuthorityFixture ca) : IDisposable
{
    private const string Site = "site0100.tracking.test";
    private readonly AccessLogFile _log = new();

    public void Dispose() => _log.Dispose();

    private TestTerminator Start(IPEndPoint upstream, AccessLogQueryMode query = AccessLogQueryMode.Strip, Func<TerminatorOptions, TerminatorOptions>? configure = null, AcmeChallengeTable? challenges = null) =>
        TestTerminator.Start(upstream, ca.Certificates, o => (configure?.Invoke(o) ?? o) with { AccessLog = _log.Options(query: query) }, challenges: challenges);

    [Fact]
    public async Task ClickAndOpenOverTls_OneCombinedLineEach_WithTlsAndUpstreamFields()
    {
        await using ScriptedUpstream upstream = TrackingUpstream.Start();
        await using TestTerminator terminator = Start(upstream.EndPoint);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);
        DateTime before = DateTime.UtcNow.AddSeconds(-1);

        await client.SendAsync($"GET /f/click-1 HTTP/1.1\r\nHost: {Site}\r\nUser-Agent: Mozilla/5.0 (Test)\r\nReferer: https://mail.example/inbox\r\n\r\n");
        Assert.Equal(302, (await client.ReadResponseAsync())!.Status);
        await client.SendAsync($"GET /q/open-1.gif HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);

        IReadOnlyList<string> lines = await _log.WaitForLinesAsync(2);
        CombinedLine click = CombinedLine.Parse(lines[0]);
        CombinedLine open = CombinedLine.Parse(lines[1]);
        string protocol = client.Tls!.SslProtocol == System.Security.Authentication.SslProtocols.Tls13 ? "TLSv1.3" : "TLSv1.2";

        Assert.Equal("127.0.0.1", click.RemoteAddress);
        Assert.InRange(click.Time, before, DateTime.UtcNow.AddSeconds(1));
        Assert.Equal("GET /f/click-1 HTTP/1.1", click.Request);
        Assert.Equal((302, 0L), (click.Status, click.BodyBytesSent));
        Assert.Equal("https://mail.example/inbox", click.Referer);
        Assert.Equal("Mozilla/5.0 (Test)", click.UserAgent);
        Assert.Equal(Site, click.ServerName);
        Assert.Equal(protocol, click.TlsProtocol);
        Assert.Equal(client.Tls.NegotiatedCipherSuite.ToString(), click.TlsCipher);
        Assert.Equal(upstream.EndPoint.ToString(), click.UpstreamAddress);
        Assert.Equal("302", click.UpstreamStatus);
        Assert.InRange(click.RequestTime, 0, 5);
        double connect = CombinedLine.Seconds(click.UpstreamConnectTime);
        double header = CombinedLine.Seconds(click.UpstreamHeaderTime);
        double response = CombinedLine.Seconds(click.UpstreamResponseTime);
        Assert.True(connect <= header && header <= response && response <= click.RequestTime + 0.001, lines[0]);
        Assert.Equal(1, click.ConnectionRequests);

        Assert.Equal("GET /q/open-1.gif HTTP/1.1", open.Request);
        Assert.Equal((200, (long)TrackingUpstream.GifLength), (open.Status, open.BodyBytesSent));
        Assert.Equal(("-", "-"), (open.Referer, open.UserAgent));
        Assert.Equal(("200", 2), (open.UpstreamStatus, open.ConnectionRequests));
    }

    [Fact]
    public async Task KeepAlive_RequestNumbersCountPerConnection()
    {
        await using ScriptedUpstream upstream = TrackingUpstream.Start();
        await using TestTerminator terminator = Start(upstream.EndPoint);
        await using (RawHttpClient first = await RawHttpClient.ConnectPlainAsync(terminator.Http))
        {
            for (int i = 1; i <= 3; i++)
            {
                await first.SendAsync($"GET /q/{i}.gif HTTP/1.1\r\nHost: a.test\r\n\r\n");
                Assert.Equal(200, (await first.ReadResponseAsync())!.Status);
            }
        }

        await using RawHttpClient second = await RawHttpClient.ConnectPlainAsync(terminator.Http);
        await second.SendAsync("GET /q/4.gif HTTP/1.1\r\nHost: a.test\r\n\r\n");
        Assert.Equal(200, (await second.ReadResponseAsync())!.Status);

        // A line is written once its response has gone out, so the second connection's line may
        // land before the first connection's last one: order by request, not by arrival.
        CombinedLine[] lines = [.. (await _log.WaitForLinesAsync(4)).Select(CombinedLine.Parse).OrderBy(l => l.Request, StringComparer.Ordinal)];
        Assert.Equal([1, 2, 3, 1], lines.Select(l => l.ConnectionRequests));
        Assert.Equal(["GET /q/1.gif HTTP/1.1", "GET /q/2.gif HTTP/1.1", "GET /q/3.gif HTTP/1.1", "GET /q/4.gif HTTP/1.1"], lines.Select(l => l.Request));
        // Plain HTTP: no SNI, no TLS.
        Assert.All(lines, l => Assert.Equal(("-", "-", "-"), (l.ServerName, l.TlsProtocol, l.TlsCipher)));
    }

    [Theory]
    [InlineData(true, "GET /f/abc?rid=8d3f&u=recipient%40mail.example HTTP/1.1", "https://mail.example/read?msg=77")]
    [InlineData(false, "GET /f/abc HTTP/1.1", "https://mail.example/read")]
    public async Task QueryString_KeptOrStripped_InTargetAndReferer(bool keep, string request, string referer)
    {
        await using ScriptedUpstream upstream = TrackingUpstream.Start();
        await using TestTerminator terminator = Start(upstream.EndPoint, keep ? AccessLogQueryMode.Keep : AccessLogQueryMode.Strip);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /f/abc?rid=8d3f&u=recipient%40mail.example HTTP/1.1\r\nHost: a.test\r\nReferer: https://mail.example/read?msg=77\r\n\r\n");
        Assert.Equal(302, (await client.ReadResponseAsync())!.Status);

        CombinedLine line = CombinedLine.Parse((await _log.WaitForLinesAsync(1))[0]);
        Assert.Equal(request, line.Request);
        Assert.Equal(referer, line.Referer);
        // The upstream still gets the whole target: stripping is the log's business only.
        Assert.StartsWith("GET /f/abc?rid=8d3f&u=recipient%40mail.example HTTP/1.1", upstream.Heads.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserAgentWithQuotesBackslashTabAndNonAscii_EscapedAsNginxDoes()
    {
        await using ScriptedUpstream upstream = TrackingUpstream.Start();
        await using TestTerminator terminator = Start(upstream.EndPoint);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        byte[] request = [
            .. "GET /q/x.gif HTTP/1.1\r\nHost: a.test\r\nUser-Agent: Evil \"quoted\" back\\slash\ttab "u8,
            0xC3, 0xA9, 0xFF,
            .. "\" 200 0 \"-\" \"forged\r\n\r\n"u8];
        await client.SendAsync(request);
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);

        string raw = (await _log.WaitForLinesAsync(1))[0];
        CombinedLine line = CombinedLine.Parse(raw);
        Assert.Equal(@"Evil \x22quoted\x22 back\x5Cslash\x09tab \xC3\xA9\xFF\x22 200 0 \x22-\x22 \x22forged", line.UserAgent);
        Assert.DoesNotContain('\t', raw);
    }

    [Fact]
    public async Task OwnBadRequest_LoggedWithRawRequestLine_AndNoUpstream()
    {
        await using ScriptedUpstream upstream = TrackingUpstream.Start();
        await using TestTerminator terminator = Start(upstream.EndPoint);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /f/abc?rid=1 HTTP/1.1\r\nHost: a.test\r\nX-Folded: one\r\n two\r\n\r\n");   // obs-fold
        Assert.Equal(400, (await client.ReadResponseAsync())!.Status);

        CombinedLine line = CombinedLine.Parse((await _log.WaitForLinesAsync(1))[0]);
        Assert.Equal("GET /f/abc HTTP/1.1", line.Request);   // as received, query stripped
        Assert.Equal((400, "400 Bad Request\n".Length), (line.Status, (int)line.BodyBytesSent));
        AssertNoUpstream(line);
    }

    [Fact]
    public async Task OwnHeadersTooLarge_431Logged_AndNoUpstream()
    {
        await using ScriptedUpstream upstream = TrackingUpstream.Start();
        await using TestTerminator terminator = Start(upstream.EndPoint, configure: o => o with { MaxHeaderBytes = 1024 });
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync($"GET /q/big.gif HTTP/1.1\r\nHost: a.test\r\nX-Big: {new string('b', 2000)}\r\n\r\n");
        Assert.Equal(431, (await client.ReadResponseAsync())!.Status);

        CombinedLine line = CombinedLine.Parse((await _log.WaitForLinesAsync(1))[0]);
        Assert.Equal(("GET /q/big.gif HTTP/1.1", 431), (line.Request, line.Status));
        AssertNoUpstream(line);
    }

    [Fact]
    public async Task UpstreamDown_502Logged_WithoutUpstreamAddressOrStatus()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var nobody = (IPEndPoint)closed.LocalEndpoint;
        closed.Stop();
        await using TestTerminator terminator = Start(nobody);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync($"GET /f/abc HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        Assert.Equal(502, (await client.ReadResponseAsync())!.Status);

        CombinedLine line = CombinedLine.Parse((await _log.WaitForLinesAsync(1))[0]);
        Assert.Equal(("GET /f/abc HTTP/1.1", 502), (line.Request, line.Status));
        Assert.Equal(("-", "-", "-", "-"), (line.UpstreamAddress, line.UpstreamStatus, line.UpstreamConnectTime, line.UpstreamHeaderTime));
        CombinedLine.Seconds(line.UpstreamResponseTime);   // the time spent trying to connect
        Assert.Equal(Site, line.ServerName);
    }

    [Fact]
    public async Task AcmeChallengeAnsweredAtTheEdge_LoggedWith200AndNoUpstream()
    {
        const string Token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
        const string KeyAuthorization = Token + ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
        var table = new AcmeChallengeTable();
        table.AddHttp01(Token, KeyAuthorization);
        await using ScriptedUpstream upstream = TrackingUpstream.Start();
        await using TestTerminator terminator = Start(upstream.EndPoint, challenges: table);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync($"GET /.well-known/acme-challenge/{Token} HTTP/1.1\r\nHost: click.customer.test\r\nUser-Agent: Pebble\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        await client.SendAsync("GET /q/after.gif HTTP/1.1\r\nHost: click.customer.test\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);

        IReadOnlyList<string> lines = await _log.WaitForLinesAsync(2);
        CombinedLine challenge = CombinedLine.Parse(lines[0]);
        Assert.Equal(($"GET /.well-known/acme-challenge/{Token} HTTP/1.1", 200, (long)KeyAuthorization.Length), (challenge.Request, challenge.Status, challenge.BodyBytesSent));
        Assert.Equal("Pebble", challenge.UserAgent);
        AssertNoUpstream(challenge);
        Assert.Equal((upstream.EndPoint.ToString(), 2), (CombinedLine.Parse(lines[1]).UpstreamAddress, CombinedLine.Parse(lines[1]).ConnectionRequests));
    }

    [Fact]
    public async Task Line_ReachesTheFileWithinASecond()
    {
        await using ScriptedUpstream upstream = TrackingUpstream.Start();
        await using TestTerminator terminator = Start(upstream.EndPoint);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /q/soon.gif HTTP/1.1\r\nHost: a.test\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        long answered = System.Diagnostics.Stopwatch.GetTimestamp();

        Assert.True(await Eventually.TrueAsync(() => _log.Lines().Count == 1, TimeSpan.FromSeconds(5)));
        TimeSpan waited = System.Diagnostics.Stopwatch.GetElapsedTime(answered);
        Assert.True(waited < TimeSpan.FromSeconds(1), $"the line took {waited.TotalMilliseconds:0} ms to reach the file");
    }

    [Fact]
    public async Task ServerNameOfAnUnknownALabel_LoggedAsTheClientSentIt()
    {
        // Served by the default certificate, so any name gets through the handshake; SslStream reports the SNI it read.
        const string Name = "xn--bcher-kva.Example";
        await using ScriptedUpstream upstream = TrackingUpstream.Start();
        await using TestTerminator terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates,
            o => o with { AccessLog = _log.Options(), UnknownSni = UnknownSniPolicy.Default, HostCheck = false }, defaultCertificate: ca.DefaultCertificate);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(terminator.Https);
        await using var tls = new System.Net.Security.SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = Name,
            RemoteCertificateValidationCallback = (_, _, _, _) => true, // the name is not the certificate's, on purpose
        });

        await tls.WriteAsync("GET /q/idn.gif HTTP/1.1\r\nHost: xn--bcher-kva.example\r\nConnection: close\r\n\r\n"u8.ToArray());
        await tls.FlushAsync();

        CombinedLine line = CombinedLine.Parse((await _log.WaitForLinesAsync(1))[0]);
        Assert.Equal(("xn--bcher-kva.example", 200), (line.ServerName.ToLowerInvariant(), line.Status));
    }

    private static void AssertNoUpstream(CombinedLine line) =>
        Assert.Equal(("-", "-", "-", "-", "-"), (line.UpstreamAddress, line.UpstreamStatus, line.UpstreamConnectTime, line.UpstreamHeaderTime, line.UpstreamResponseTime));
}
