using System.Text;
using Terminator.Configuration;
using Terminator.Tests.AccessLog;
using Terminator.Tests.TestHelpers;
using Terminator.Tests.Tls;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// TERMINATOR_JA4_HEADER end to end: real clients (curl, openssl s_client, Python's ssl module, .NET's SslStream)
/// connect through <see cref="FirstBytesRelay"/>, which records the ClientHello exactly as each sent it; the header the
/// upstream receives must equal what TestData/Ja4/ja4.py — an independent implementation — computes from those bytes.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class Ja4EndToEndTests(CertificateAuthorityFixture ca)
{
    private const string Site = "site0400.tracking.test";
    private const string Header = "X-JA4";

    [ToolFact("curl")]
    public async Task Curl_UpstreamHeaderEqualsIndependentJa4_ClientCopyReplaced()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = StartTerminator(upstream);
        await using var relay = new FirstBytesRelay(terminator.Https);

        (int exitCode, string stdout, string stderr) = await ToolProcess.RunAsync("curl",
            ["-sk", "-o", "/dev/null", "-w", "%{http_code}", "-H", "X-JA4: t13d0000h2_forged_forged", "-H", "x_ja4: forged too",
             "--resolve", $"{Site}:{relay.EndPoint.Port}:127.0.0.1", $"https://{Site}:{relay.EndPoint.Port}/f/curl"]);
        Assert.True(exitCode == 0, stderr);
        Assert.Equal("200", stdout);

        string ja4 = Assert.Single(Request(upstream, "/f/curl").Values(Header));
        Assert.Equal(await IndependentJa4Async(relay.ClientBytes(0)), ja4);
        Assert.DoesNotContain("forged", Request(upstream, "/f/curl").Head, StringComparison.Ordinal);
        Assert.Matches(@"^t1[23]d\d{4}h2_[0-9a-f]{12}_[0-9a-f]{12}$", ja4); // curl offers h2 first
    }

    [ToolFact("openssl")]
    public async Task OpenSslSClient_UpstreamHeaderEqualsIndependentJa4()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = StartTerminator(upstream);
        await using var relay = new FirstBytesRelay(terminator.Https);

        (int exitCode, string stdout, string stderr) = await ToolProcess.RunAsync("openssl",
            ["s_client", "-connect", relay.EndPoint.ToString(), "-servername", Site, "-quiet", "-ign_eof"],
            TimeSpan.FromSeconds(30),
            standardInput: $"GET /f/openssl HTTP/1.1\r\nHost: {Site}\r\nX-JA4: forged\r\nConnection: close\r\n\r\n");
        Assert.True(exitCode == 0, stderr);
        Assert.StartsWith("HTTP/1.1 200", stdout, StringComparison.Ordinal);

        string ja4 = Assert.Single(Request(upstream, "/f/openssl").Values(Header));
        Assert.Equal(await IndependentJa4Async(relay.ClientBytes(0)), ja4);
        Assert.Matches(@"^t13d\d{4}00_[0-9a-f]{12}_[0-9a-f]{12}$", ja4); // s_client sends no ALPN
    }

    [ToolFact("python3")]
    public async Task PythonSslClient_UpstreamHeaderEqualsIndependentJa4()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = StartTerminator(upstream);
        await using var relay = new FirstBytesRelay(terminator.Https);
        const string Client = """
            import socket, ssl, sys
            host, port = sys.argv[1], int(sys.argv[2])
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.set_alpn_protocols(["http/1.1"])
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname=host) as tls:
                    tls.sendall(("GET /f/python HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % host).encode())
                    response = b""
                    while chunk := tls.recv(4096):
                        response += chunk
            print(response.split(b"\r\n")[0].decode())
            """;

        (int exitCode, string stdout, string stderr) = await ToolProcess.RunAsync("python3", ["-c", Client, Site, relay.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(exitCode == 0, stderr);
        Assert.StartsWith("HTTP/1.1 200", stdout, StringComparison.Ordinal);

        string ja4 = Assert.Single(Request(upstream, "/f/python").Values(Header));
        Assert.Equal(await IndependentJa4Async(relay.ClientBytes(0)), ja4);
        Assert.Matches(@"^t13d\d{4}h1_[0-9a-f]{12}_[0-9a-f]{12}$", ja4);
    }

    [ToolFact("python3")]
    public async Task KeepAlive_EveryRequestCarriesTheConnectionsJa4_AndTheAccessLogToo()
    {
        using var log = new AccessLogFile();
        await using var upstream = new RecordingUpstream();
        await using var terminator = StartTerminator(upstream, o => o with { AccessLog = log.Options(AccessLogFormat.Combined) });
        await using var relay = new FirstBytesRelay(terminator.Https);

        await using (RawHttpClient client = await RawHttpClient.ConnectTlsAsync(relay.EndPoint, Site, ca.Root))
        {
            for (int i = 0; i < 3; i++)
            {
                await client.SendAsync($"GET /f/keep{i} HTTP/1.1\r\nHost: {Site}\r\nX-JA4: forged{i}\r\nX-Ja4: again\r\n\r\n");
                Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
            }
        }

        string expected = await IndependentJa4Async(relay.ClientBytes(0));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal([expected], Request(upstream, $"/f/keep{i}").Values(Header));
        }

        IReadOnlyList<string> lines = await log.WaitForLinesAsync(3);
        Assert.All(lines, line => Assert.Equal(expected, CombinedLine.Parse(line).Ja4));
    }

    [Fact]
    public async Task PlainHttp_NoJa4Header_ClientCopiesStillRemoved()
    {
        using var log = new AccessLogFile();
        await using var upstream = new RecordingUpstream();
        await using var terminator = StartTerminator(upstream, o => o with { AccessLog = log.Options(AccessLogFormat.Json) });

        await using (RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http))
        {
            await client.SendAsync($"GET /q/open HTTP/1.1\r\nHost: {Site}\r\nX-JA4: t13d1516h2_8daaf6152771_e5627efa2ab1\r\nX_JA4: forged\r\n\r\n");
            Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        }

        RecordedRequest request = Request(upstream, "/q/open");
        Assert.Empty(request.Values("X-JA4"));
        Assert.Empty(request.Values("X_JA4"));
        using var json = System.Text.Json.JsonDocument.Parse(Assert.Single(await log.WaitForLinesAsync(1)));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.RootElement.GetProperty("ja4").ValueKind);
    }

    [Fact]
    public async Task Off_NoHeaderAdded_ClientCopyPassesAsAnyHeader()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using (RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root))
        {
            await client.SendAsync($"GET /f/off HTTP/1.1\r\nHost: {Site}\r\nX-JA4: from-the-client\r\n\r\n");
            Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        }

        Assert.Equal(["from-the-client"], Request(upstream, "/f/off").Values(Header));
    }

    private TestTerminator StartTerminator(RecordingUpstream upstream, Func<TerminatorOptions, TerminatorOptions>? configure = null) =>
        TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => (configure?.Invoke(o) ?? o) with { Ja4Header = Header });

    private static RecordedRequest Request(RecordingUpstream upstream, string path) =>
        Assert.Single(upstream.Requests, r => r.RequestLine.StartsWith($"GET {path} ", StringComparison.Ordinal));

    /// <summary>The second implementation's answer for the bytes the client sent.</summary>
    private static async Task<string> IndependentJa4Async(byte[] clientBytes)
    {
        Assert.NotEmpty(clientBytes);
        (int exitCode, string stdout, string stderr) = await ToolProcess.RunAsync("python3",
            [Ja4PythonCrossCheckTests.Script, "--hex", Convert.ToHexString(clientBytes)]);
        Assert.True(exitCode == 0, stderr);
        return stdout.Trim();
    }
}
