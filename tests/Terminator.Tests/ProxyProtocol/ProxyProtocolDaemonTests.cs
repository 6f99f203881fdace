using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.ProxyProtocol;

/// <summary>The daemon process configured from TERMINATOR_PROXY_*: HAProxy in front of it, and the start-up rule.</summary>
public sealed partial class ProxyProtocolDaemonTests : IDisposable
{
    private readonly TempDirectory _root = new("proxy-protocol");
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("PROXY Protocol Daemon CA");

    public void Dispose()
    {
        _authority.Dispose();
        _root.Dispose();
    }

    [HaproxyFact]
    public async Task Daemon_BehindHaproxySendProxyV2_UpstreamSeesTheClient_DirectForgeryRefused()
    {
        string certs = Directory.CreateDirectory(Path.Combine(_root.FullName, "certs")).FullName;
        _authority.Issue(["click.proxied.test"]).WriteCombined(Path.Combine(certs, "click.pem"));
        await using var upstream = new RecordingUpstream();
        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string>
        {
            ["TERMINATOR_CERT_DIR"] = certs,
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
            ["TERMINATOR_ADMIN_LISTEN"] = "off",
            ["TERMINATOR_UPSTREAM"] = $"http://{upstream.EndPoint}",
            ["TERMINATOR_PROXY_PROTOCOL"] = "v2",
            ["TERMINATOR_PROXY_TRUSTED"] = "127.0.0.2, 2001:db8::/32",
        });
        Match ready = await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30));
        var https = IPEndPoint.Parse(ready.Groups["https"].Value);
        Assert.Equal("v2 from 127.0.0.2/32,2001:db8::/32", ready.Groups["proxy"].Value);

        int port = LoopbackPorts.Reserve();
        await using HaproxyProcess haproxy = await HaproxyProcess.StartAsync($"""
            listen tls
                bind 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}
                server terminator {https} source 127.0.0.2 send-proxy-v2 proxy-v2-options crc32c

            """);
        using X509Certificate2 root = X509Certificate2.CreateFromPem(_authority.CertificatePem);
        await using (RawHttpClient client = await RawHttpClient.ConnectWithPreambleAsync(new IPEndPoint(IPAddress.Loopback, port), [],
            IPAddress.Parse("127.0.0.3"), "click.proxied.test", root))
        {
            await client.SendAsync("GET /q/through-haproxy HTTP/1.1\r\nHost: click.proxied.test\r\n\r\n");
            Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        }

        // Straight to the daemon from an untrusted address, claiming to be someone else.
        byte[] forged = ProxyHeaderSamples.V2(ProxyHeaderSamples.Proxy, ProxyHeaderSamples.Tcp4, ProxyHeaderSamples.Inet("198.51.100.1", 1, "192.0.2.1", 443));
        await using (RawHttpClient liar = await RawHttpClient.ConnectWithPreambleAsync(https, forged, IPAddress.Parse("127.0.0.3")))
        {
            Assert.True(await liar.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        }

        RecordedRequest forwarded = Assert.Single(upstream.Requests);
        Assert.Equal(["127.0.0.3"], forwarded.Values("X-Forwarded-For"));
        daemon.Signal(DaemonProcess.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task Daemon_ProxyProtocolWithoutTrustedNetworks_OneLineExit2()
    {
        string certs = Directory.CreateDirectory(Path.Combine(_root.FullName, "certs")).FullName;
        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string>
        {
            ["TERMINATOR_CERT_DIR"] = certs,
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_PROXY_PROTOCOL"] = "any",
        });

        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("TERMINATOR_PROXY_TRUSTED: required when TERMINATOR_PROXY_PROTOCOL=any", daemon.StandardError, StringComparison.Ordinal);
        Assert.Single(daemon.StandardError.Trim().Split('\n'));
    }

    [GeneratedRegex(@"ready: .*; https (?<https>[^;,]+);.*; proxy-protocol (?<proxy>.+)$")]
    private static partial Regex ReadyLine();
}
