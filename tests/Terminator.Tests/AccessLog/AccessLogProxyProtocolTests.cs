using System.Net;
using System.Text.Json;
using Terminator.Configuration;
using Terminator.Tests.ProxyProtocol;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.AccessLog;

/// <summary>
/// Behind a trusted L4 balancer the access log names the client the PROXY protocol header names, not the balancer
/// (127.0.0.1 here), in both formats and on both ports; a client's own X-Forwarded-For changes nothing.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class AccessLogProxyProtocolTests(CertificateAuthorityFixture ca) : IDisposable
{
    private const string Site = "site0100.tracking.test";
    private readonly AccessLogFile _log = new();

    public void Dispose() => _log.Dispose();

    private TestTerminator Start(IPEndPoint upstream, AccessLogFormat format) =>
        TestTerminator.Start(upstream, ca.Certificates, o => o with
        {
            AccessLog = _log.Options(format),
            ProxyProtocol = new ProxyProtocolOptions { Mode = ProxyProtocolMode.Any, TrustedNetworks = [IPNetwork.Parse("127.0.0.0/8")] },
        });

    private static string Request(string path) => $"GET {path} HTTP/1.1\r\nHost: {Site}\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n";

    [Fact]
    public async Task Combined_V1OverTlsAndV2OverHttp_LinesNameTheProxiedClients()
    {
        await using ScriptedUpstream upstream = TrackingUpstream.Start();
        await using TestTerminator terminator = Start(upstream.EndPoint, AccessLogFormat.Combined);
        byte[] v1 = ProxyHeaderSamples.V1("PROXY TCP4 203.0.113.7 192.0.2.10 51234 443\r\n");
        byte[] v2 = ProxyHeaderSamples.V2(ProxyHeaderSamples.Proxy, ProxyHeaderSamples.Tcp6,
            ProxyHeaderSamples.Inet("2001:db8::7", 51234, "2001:db8::a", 80));

        await using (RawHttpClient tls = await RawHttpClient.ConnectWithPreambleAsync(terminator.Https, v1, null, Site, ca.Root))
        {
            await tls.SendAsync(Request("/f/click-1"));
            Assert.Equal(302, (await tls.ReadResponseAsync())!.Status);
        }

        await using (RawHttpClient plain = await RawHttpClient.ConnectWithPreambleAsync(terminator.Http, v2))
        {
            await plain.SendAsync(Request("/q/open-1.gif"));
            Assert.Equal(200, (await plain.ReadResponseAsync())!.Status);
        }

        // Two connections: their lines may arrive in either order.
        IReadOnlyList<string> lines = await _log.WaitForLinesAsync(2);
        CombinedLine click = CombinedLine.Parse(lines.Single(l => l.Contains("GET /f/", StringComparison.Ordinal)));
        CombinedLine open = CombinedLine.Parse(lines.Single(l => l.Contains("GET /q/", StringComparison.Ordinal)));
        Assert.Equal(("203.0.113.7", "GET /f/click-1 HTTP/1.1", 302), (click.RemoteAddress, click.Request, click.Status));
        Assert.Equal(Site, click.ServerName);
        Assert.Equal(("2001:db8::7", "GET /q/open-1.gif HTTP/1.1", 200), (open.RemoteAddress, open.Request, open.Status));
        Assert.Equal(2, terminator.Server.Metrics.ProxyHeadersAccepted);
    }

    [Fact]
    public async Task Json_V2OverTls_RemoteAddrIsTheProxiedClient()
    {
        await using ScriptedUpstream upstream = TrackingUpstream.Start();
        await using TestTerminator terminator = Start(upstream.EndPoint, AccessLogFormat.Json);
        byte[] v2 = ProxyHeaderSamples.V2(ProxyHeaderSamples.Proxy, ProxyHeaderSamples.Tcp4,
            ProxyHeaderSamples.Inet("198.51.100.23", 40000, "192.0.2.10", 443), ProxyHeaderSamples.Tlv(0x02, Site));

        await using (RawHttpClient tls = await RawHttpClient.ConnectWithPreambleAsync(terminator.Https, v2, null, Site, ca.Root))
        {
            await tls.SendAsync(Request("/f/c?rid=42"));
            Assert.Equal(302, (await tls.ReadResponseAsync())!.Status);
        }

        using JsonDocument line = JsonDocument.Parse((await _log.WaitForLinesAsync(1))[0]);
        JsonElement c = line.RootElement;
        Assert.Equal("198.51.100.23", c.GetProperty("remote_addr").GetString());
        Assert.Equal("GET /f/c HTTP/1.1", c.GetProperty("request").GetString()); // the query stripped by default
        Assert.Equal(Site, c.GetProperty("ssl_server_name").GetString());
        Assert.Equal(upstream.EndPoint.ToString(), c.GetProperty("upstream_addr").GetString());
    }
}
