using System.Globalization;
using System.Net;
using Terminator.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.ProxyProtocol;

/// <summary>
/// Against the reference sender: HAProxy in TCP mode in front of a TestTerminator, relaying clients with
/// <c>send-proxy</c> (v1) and <c>send-proxy-v2</c> (v2, with a CRC32C TLV) to the HTTPS and HTTP ports, and health
/// checking them (v2 checks are LOCAL headers). HAProxy connects from 127.0.0.2, the only trusted address; clients come
/// from 127.0.0.3 and ::1, so the address the upstream sees can only have come through the header.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class HaproxyInteropTests(CertificateAuthorityFixture ca)
{
    private static readonly IPAddress s_balancer = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress s_client = IPAddress.Parse("127.0.0.3");
    private static readonly string s_site = CertificateAuthorityFixture.SiteName(11);

    [HaproxyFact]
    public async Task SendProxyV1AndV2_ThroughTlsAndPlainHttp_UpstreamSeesTheClient()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => o with
        {
            ProxyProtocol = new ProxyProtocolOptions { Mode = ProxyProtocolMode.Any, TrustedNetworks = [new IPNetwork(s_balancer, 32)] },
        });
        string https = Invariant(terminator.Https.Port), http = Invariant(terminator.Http.Port);
        int tlsV1 = LoopbackPorts.Reserve(), tlsV2 = LoopbackPorts.Reserve(), httpV2 = LoopbackPorts.Reserve(), httpV1Ipv6 = LoopbackPorts.Reserve();
        await using HaproxyProcess haproxy = await HaproxyProcess.StartAsync($"""
            listen tls_v1
                bind 127.0.0.1:{Invariant(tlsV1)}
                server terminator 127.0.0.1:{https} source 127.0.0.2 send-proxy check inter 100ms
            listen tls_v2
                bind 127.0.0.1:{Invariant(tlsV2)}
                server terminator 127.0.0.1:{https} source 127.0.0.2 send-proxy-v2 proxy-v2-options crc32c check inter 100ms
            listen http_v2
                bind 127.0.0.1:{Invariant(httpV2)}
                server terminator 127.0.0.1:{http} source 127.0.0.2 send-proxy-v2 check inter 100ms
            listen http_v1_ipv6
                bind [::1]:{Invariant(httpV1Ipv6)}
                server terminator 127.0.0.1:{http} source 127.0.0.2 send-proxy

            """);

        await RequestAsync(new IPEndPoint(IPAddress.Loopback, tlsV1), s_client, tls: true, "/q/tls-v1");
        await RequestAsync(new IPEndPoint(IPAddress.Loopback, tlsV2), s_client, tls: true, "/q/tls-v2");
        await RequestAsync(new IPEndPoint(IPAddress.Loopback, httpV2), s_client, tls: false, "/q/http-v2");
        await RequestAsync(new IPEndPoint(IPAddress.IPv6Loopback, httpV1Ipv6), IPAddress.IPv6Loopback, tls: false, "/q/http-v1-ipv6");

        var seen = upstream.Requests.ToDictionary(r => r.RequestLine.Split(' ')[1], r => Assert.Single(r.Values("X-Forwarded-For")));
        Assert.Equal("127.0.0.3", seen["/q/tls-v1"]);
        Assert.Equal("127.0.0.3", seen["/q/tls-v2"]);
        Assert.Equal("127.0.0.3", seen["/q/http-v2"]);
        Assert.Equal("::1", seen["/q/http-v1-ipv6"]);

        // HAProxy's health checks carry headers too (v2 ones as LOCAL): each is accepted and none is refused.
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Metrics.ProxyHeadersAccepted >= 4 + 6), $"accepted {terminator.Server.Metrics.ProxyHeadersAccepted}: {haproxy.Output}");
        Assert.Equal(0, terminator.Server.Metrics.ProxyProtocolRefusals);
        Assert.DoesNotContain("is DOWN", haproxy.Output, StringComparison.Ordinal);
    }

    [HaproxyFact]
    public async Task HaproxyNotTrusted_ItsHeadersRefusedAsForged()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => o with
        {
            ProxyProtocol = new ProxyProtocolOptions { Mode = ProxyProtocolMode.Any, TrustedNetworks = [IPNetwork.Parse("192.0.2.0/24")] },
        });
        int port = LoopbackPorts.Reserve();
        await using HaproxyProcess haproxy = await HaproxyProcess.StartAsync($"""
            listen http_v2
                bind 127.0.0.1:{Invariant(port)}
                server terminator 127.0.0.1:{Invariant(terminator.Http.Port)} source 127.0.0.2 send-proxy-v2

            """);

        await using RawHttpClient client = await RawHttpClient.ConnectWithPreambleAsync(new IPEndPoint(IPAddress.Loopback, port), [], s_client);
        await client.SendAsync($"GET /q/forged HTTP/1.1\r\nHost: {s_site}\r\n\r\n");

        Assert.Null(await client.ReadResponseAsync());
        Assert.Empty(upstream.Requests);
        Assert.Equal(1, terminator.Server.Metrics.ProxyProtocolRefusals);
    }

    private async Task RequestAsync(IPEndPoint through, IPAddress from, bool tls, string path)
    {
        await using RawHttpClient client = tls
            ? await RawHttpClient.ConnectWithPreambleAsync(through, [], from, s_site, ca.Root)
            : await RawHttpClient.ConnectWithPreambleAsync(through, [], from);
        await client.SendAsync($"GET {path} HTTP/1.1\r\nHost: {s_site}\r\n\r\n");
        RawResponse? response = await client.ReadResponseAsync();
        Assert.True(response?.Status == 200, $"{path}: {response?.Status.ToString(CultureInfo.InvariantCulture) ?? "closed"}");
    }

    private static string Invariant(int port) => port.ToString(CultureInfo.InvariantCulture);
}
