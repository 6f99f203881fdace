using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Terminator.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

[Collection(EndToEndTests.Name)]
public sealed class SniRoutingTests(CertificateAuthorityFixture ca)
{
    [Fact]
    public async Task Handshake_ThousandServerNames_EachGetsItsOwnCertificate()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        var mismatches = new System.Collections.Concurrent.ConcurrentBag<string>();

        await Parallel.ForEachAsync(Enumerable.Range(0, CertificateAuthorityFixture.SiteCount), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            string name = CertificateAuthorityFixture.SiteName(i);
            await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, name, ca.Root);
            string subject = client.Tls!.RemoteCertificate!.Subject;
            if (subject != $"CN={name}")
            {
                mismatches.Add($"{name} -> {subject}");
            }
        });

        Assert.Empty(mismatches);
        // The server counts a handshake after its side completes, which can be just after the client's side.
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Metrics.HandshakesCompleted >= CertificateAuthorityFixture.SiteCount));
        Assert.Equal(CertificateAuthorityFixture.SiteCount, terminator.Server.Metrics.HandshakesCompleted);
    }

    [Fact]
    public async Task Request_OverTls13_ReachesUpstreamWithNegotiatedHttp11()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, "site0042.tracking.test", ca.Root);

        await client.SendAsync("GET /q/open HTTP/1.1\r\nHost: site0042.tracking.test\r\n\r\n");
        RawResponse? response = await client.ReadResponseAsync();

        Assert.Equal(200, response!.Status);
        Assert.Equal(SslProtocols.Tls13, client.Tls!.SslProtocol);
        Assert.Equal("http/1.1", client.Tls.NegotiatedApplicationProtocol.ToString());
    }

    [Fact]
    public async Task Handshake_Tls12_NegotiatesEcdheAead()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, "site0001.tracking.test", ca.Root, SslProtocols.Tls12);

        Assert.Equal(SslProtocols.Tls12, client.Tls!.SslProtocol);
        string suite = client.Tls.NegotiatedCipherSuite.ToString();
        Assert.StartsWith("TLS_ECDHE_", suite, StringComparison.Ordinal);
        Assert.True(suite.Contains("GCM", StringComparison.Ordinal) || suite.Contains("CHACHA20", StringComparison.Ordinal), suite);
    }

    [Fact]
    public async Task Handshake_ClientOfferingOnlyCbcSuites_RefusedBeforeHandshake()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(terminator.Https);
        await using var tls = new SslStream(tcp.GetStream());
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "site0003.tracking.test",
            EnabledSslProtocols = SslProtocols.Tls12,
            CipherSuitesPolicy = new CipherSuitesPolicy([TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA]),
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        };

        await Assert.ThrowsAnyAsync<Exception>(() => tls.AuthenticateAsClientAsync(options));
        Assert.Equal(1, terminator.Server.Metrics.HandshakesFailed);
        Assert.Equal(0, terminator.Server.Metrics.HandshakesCompleted);
    }

    [Theory]
    [InlineData("a.wild.test")]
    [InlineData("zz-top.wild.test")]
    public async Task Handshake_WildcardName_ServesWildcardCertificate(string name)
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, name, ca.Root);

        Assert.Equal("CN=*.wild.test", client.Tls!.RemoteCertificate!.Subject);
    }

    [Theory]
    [InlineData("a.b.wild.test")]        // a wildcard covers exactly one label
    [InlineData("wild.test")]            // ...and not the bare domain
    [InlineData("unknown.example.com")]
    [InlineData(null)]                   // no SNI at all
    public async Task Handshake_UnknownNameUnderRejectPolicy_FailsWithAlertAndIsCounted(string? name)
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);

        await Assert.ThrowsAnyAsync<Exception>(() => RawHttpClient.ConnectTlsAsync(terminator.Https, name, ca.Root));

        Assert.Equal(1, terminator.Server.Metrics.UnknownServerNames);
        Assert.Equal(0, terminator.Server.Metrics.HandshakesCompleted);
    }

    [Fact]
    public async Task Handshake_UnknownNameUnderDefaultPolicy_ServesDefaultCertificate()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates,
            o => o with { UnknownSni = UnknownSniPolicy.Default }, ca.DefaultCertificate);

        // The client asks for a name the default certificate does not carry, so it checks the chain, not the name.
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, null, ca.Root);

        Assert.Equal("CN=default.test", client.Tls!.RemoteCertificate!.Subject);
        Assert.Equal(0, terminator.Server.Metrics.UnknownServerNames);
    }

    [Fact]
    public async Task TlsPort_PlainHttpBytes_ClosedAndCounted()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Https);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, terminator.Server.Metrics.NonTlsConnections);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task TlsPort_ClientSendsNothing_CutOffAtHandshakeTimeout()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => o with { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(terminator.Https);

        var buffer = new byte[16];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        int read = await tcp.GetStream().ReadAsync(buffer, cts.Token);

        Assert.Equal(0, read);
        Assert.Equal(1, terminator.Server.Metrics.HandshakeTimeouts);
    }
}
