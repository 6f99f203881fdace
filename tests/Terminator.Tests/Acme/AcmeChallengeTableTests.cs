using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Terminator.Acme;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;
using Terminator.Tls;

namespace Terminator.Tests.Acme;

/// <summary>Challenges answered by the running server: HTTP-01 before the upstream, TLS-ALPN-01 on the acme-tls/1 route.</summary>
[Collection(EndToEndTests.Name)]
public sealed class AcmeChallengeTableTests(CertificateAuthorityFixture ca)
{
    private const string Token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
    private const string KeyAuthorization = Token + ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

    [Fact]
    public async Task Http01_PendingToken_AnsweredAtTheEdge_OtherPathsAndTokensGoUpstream()
    {
        var table = new AcmeChallengeTable();
        table.AddHttp01(Token, KeyAuthorization);
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, challenges: table);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync($"GET /.well-known/acme-challenge/{Token} HTTP/1.1\r\nHost: click.customer.test\r\n\r\n");
        RawResponse answered = (await client.ReadResponseAsync())!;
        await client.SendAsync("GET /.well-known/acme-challenge/unknown-token HTTP/1.1\r\nHost: click.customer.test\r\n\r\n");
        RawResponse unknown = (await client.ReadResponseAsync())!;
        await client.SendAsync("GET /f/abc HTTP/1.1\r\nHost: click.customer.test\r\n\r\n");
        RawResponse click = (await client.ReadResponseAsync())!;

        Assert.Equal(200, answered.Status);
        Assert.Equal(KeyAuthorization, answered.BodyText);
        Assert.Equal(200, unknown.Status);   // the recording upstream's answer: the request went upstream
        Assert.Equal(200, click.Status);
        Assert.Equal(["/.well-known/acme-challenge/unknown-token", "/f/abc"], upstream.Requests.Select(r => r.Head.Split(' ')[1]).ToArray());
    }

    [Fact]
    public async Task Http01_RemovedToken_GoesUpstream_AndHeadGetsNoBody()
    {
        var table = new AcmeChallengeTable();
        table.AddHttp01(Token, KeyAuthorization);
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, challenges: table);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync($"HEAD /.well-known/acme-challenge/{Token} HTTP/1.1\r\nHost: a.test\r\n\r\n");
        RawResponse head = (await client.ReadResponseAsync(requestWasHead: true))!;
        table.RemoveHttp01(Token);
        await client.SendAsync($"GET /.well-known/acme-challenge/{Token} HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n");
        RawResponse after = (await client.ReadResponseAsync())!;

        Assert.Equal(200, head.Status);
        Assert.Equal(KeyAuthorization.Length.ToString(), head.Header("Content-Length"));
        Assert.Equal(200, after.Status);
        Assert.Single(upstream.Requests);
    }

    [Fact]
    public async Task TlsAlpn01_PendingDomain_ServesTheChallengeCertificateThenCloses_OtherNamesRefused()
    {
        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("ALPN challenge test");
        IssuedCertificate issued = authority.Issue(["new.customer.test"]);
        X509Certificate2 challengeCertificate = X509Certificate2.CreateFromPem(issued.ChainPem, issued.PrivateKeyPem);
        var table = new AcmeChallengeTable();
        table.AddTlsAlpn01("new.customer.test", new FixedChallengeCertificate(challengeCertificate));
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, challenges: table);
        var acmeTls1 = new SslApplicationProtocol("acme-tls/1");

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(terminator.Https);
            await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "new.customer.test", ApplicationProtocols = [acmeTls1] });
            Assert.Equal(acmeTls1, tls.NegotiatedApplicationProtocol);
            Assert.Equal(challengeCertificate.Thumbprint, new X509Certificate2(tls.RemoteCertificate!).Thumbprint);
            Assert.Equal(0, await tls.ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(10))); // closed, nothing served
        }

        // A name with no pending challenge gets nothing on acme-tls/1, not even its real certificate.
        using var other = new TcpClient();
        await other.ConnectAsync(terminator.Https);
        await using var refused = new SslStream(other.GetStream(), false, (_, _, _, _) => true);
        await Assert.ThrowsAnyAsync<Exception>(() => refused.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = CertificateAuthorityFixture.SiteName(1),
            ApplicationProtocols = [acmeTls1],
        }));
        Assert.Empty(upstream.Requests);
    }

    private sealed class FixedChallengeCertificate(X509Certificate2 certificate) : ITlsServerCertificate
    {
        private readonly SslServerAuthenticationOptions _options = new()
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, null, offline: true),
            ApplicationProtocols = [new SslApplicationProtocol("acme-tls/1")],
        };

        public string Source => "test challenge";

        public bool IsEcdsa => true;

        public bool IsMaterialized => true;

        public bool Covers(ReadOnlySpan<byte> hostName) => false;

        public ValueTask<SslServerAuthenticationOptions> GetServerOptionsAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_options);
    }
}
