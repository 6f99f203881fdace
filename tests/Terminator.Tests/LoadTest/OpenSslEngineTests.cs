using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.LoadTest.Client;
using Terminator.LoadTest.Client.OpenSsl;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.LoadTest;

/// <summary>
/// The load client's OpenSSL engine (loadtest/Client/OpenSsl) against an in-process terminator: it verifies what
/// SslStream verifies (the chain against the given CA, the host name) and names what went wrong the way the runner
/// counts errors; it resumes only when asked. Every connection is bounded by a 10 s token.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class OpenSslEngineTests(CertificateAuthorityFixture ca)
{
    private const string Site = "site0007.tracking.test";

    [Fact]
    public async Task ServedName_HandshakeVerifies_CarriesARequestAndItsResponse()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        TlsSettings settings = Trusting(ca.Root);

        await using TlsConnection connection = await OpenAsync(terminator.Https, Site, settings);
        await HttpExchange.SendGetAsync(connection.Stream, Site, "/q/", 42, null, close: true, Timeout());
        HttpResponse response = await HttpExchange.ReadResponseAsync(connection.Stream, Timeout());

        Assert.IsType<OpenSslConnection>(connection);
        Assert.Equal(200, response.Status);
        Assert.Equal($"CN={Site}", connection.RemoteCertificate!.Subject);
        Assert.False(connection.Resumed);
        Assert.True(connection.HandshakeBytesReceived > 500, $"server flight {connection.HandshakeBytesReceived} bytes");
        Assert.True(connection.BytesSent > 0 && connection.BytesReceived > connection.HandshakeBytesReceived);
    }

    [Fact]
    public async Task CertificateFromAnotherCa_IsRefused_NamingTheVerifyError()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        using LocalCertificateAuthority other = LocalCertificateAuthority.Create("Some Other CA");
        using X509Certificate2 otherRoot = X509Certificate2.CreateFromPem(other.CertificatePem);

        string kind = await FailureKindAsync(terminator.Https, Site, Trusting(otherRoot));

        Assert.Equal("tls certificate rejected (unable to get local issuer certificate)", kind);
    }

    [Fact]
    public async Task CertificateWithABrokenSignature_IsRefused_TheSignatureIsChecked()
    {
        // The right name, issuer and key identifiers, one bit of the CA's signature flipped: only checking the ECDSA
        // signature itself can tell.
        await using var upstream = new RecordingUpstream();
        IssuedCertificate issued = ca.Authority.Issue([Site]);
        byte[] der = X509Certificate2.CreateFromPem(issued.CertificatePem).RawData;
        der[^1] ^= 0x01;   // the last byte of the signature's s: still valid DER
        string forged = new string(PemEncoding.Write("CERTIFICATE", der)) + "\n";
        var certificates = new CertificateMap();
        certificates.Set(CertificateLoader.LoadPem(forged, issued.PrivateKeyPem, "test:forged"));
        await using var terminator = TestTerminator.Start(upstream.EndPoint, certificates);

        string kind = await FailureKindAsync(terminator.Https, Site, Trusting(ca.Root));

        Assert.Equal("tls certificate rejected (certificate signature failure)", kind);
        // Stock OpenSSL here: the built-in EC engine is the runner process's only (LoadTestSmokeTests checks it there).
        Assert.False(Terminator.LoadTest.Client.OpenSsl.LegacyEcKeys.Register());
    }

    [Fact]
    public async Task CertificateForAnotherName_IsRefused_AsAHostnameMismatch()
    {
        await using var upstream = new RecordingUpstream();
        // Unknown names get the default certificate (default.test): right CA, wrong name.
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates,
            o => o with { UnknownSni = UnknownSniPolicy.Default }, ca.DefaultCertificate);

        string kind = await FailureKindAsync(terminator.Https, "nobody.tracking.test", Trusting(ca.Root));

        Assert.Equal("tls certificate rejected (hostname mismatch)", kind);
    }

    [Fact]
    public async Task UnknownSni_IsReportedAsTheServersAlertByName()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);

        string kind = await FailureKindAsync(terminator.Https, "nobody.tracking.test", Trusting(ca.Root));

        Assert.Equal("tls alert unrecognized name", kind);
    }

    [Fact]
    public async Task Insecure_IsTheOnlyWayPastAnUntrustedCertificate()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        using LocalCertificateAuthority other = LocalCertificateAuthority.Create("Some Other CA");
        using X509Certificate2 otherRoot = X509Certificate2.CreateFromPem(other.CertificatePem);
        var insecure = new TlsSettings([otherRoot], insecure: true, TlsEngineKind.OpenSsl);

        await using TlsConnection connection = await OpenAsync(terminator.Https, Site, insecure);

        Assert.Equal($"CN={Site}", connection.RemoteCertificate!.Subject);
    }

    [Fact]
    public async Task ReturningClient_ResumesWithTheTicketItKept_OnlyWhenAllowed()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        TlsSettings settings = Trusting(ca.Root);

        long fullFlight = await ClickAsync(terminator.Https, settings, allowResume: true, expectResumed: false);
        long resumedFlight = await ClickAsync(terminator.Https, settings, allowResume: true, expectResumed: true);
        await ClickAsync(terminator.Https, settings, allowResume: false, expectResumed: false);

        // What ResumptionDetector relies on for the SslStream engine: no Certificate message in a resumed flight.
        Assert.True(resumedFlight < fullFlight - 200, $"full {fullFlight} bytes, resumed {resumedFlight} bytes");
    }

    [Fact]
    public async Task RepeatedChain_SkipsTheChainVerification_EvenUnderAnotherNameItCovers()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        TlsSettings settings = Trusting(ca.Root);
        VerifiedChainCache verified = settings.OpenSslContext.VerifiedChains;

        await ClickAsync(terminator.Https, settings, allowResume: false, expectResumed: false, "a.wild.test");
        Assert.Equal((0, 1), (verified.Hits, verified.Misses));

        // The same wildcard chain for another name: remembered (the name is checked, not keyed).
        await ClickAsync(terminator.Https, settings, allowResume: false, expectResumed: false, "b.wild.test");
        await ClickAsync(terminator.Https, settings, allowResume: false, expectResumed: false, "a.wild.test");
        Assert.Equal((2, 1), (verified.Hits, verified.Misses));

        // Another chain: verified in full, then remembered too.
        await ClickAsync(terminator.Https, settings, allowResume: false, expectResumed: false, Site);
        Assert.Equal((2, 2), (verified.Hits, verified.Misses));
        Assert.Equal(2, verified.Count);
    }

    [Fact]
    public async Task RememberedChain_ServedForAnotherName_IsStillRefused_AsAHostnameMismatch()
    {
        await using var upstream = new RecordingUpstream();
        // Unknown names get the default certificate (default.test): right CA, wrong name.
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates,
            o => o with { UnknownSni = UnknownSniPolicy.Default }, ca.DefaultCertificate);
        TlsSettings settings = Trusting(ca.Root);
        VerifiedChainCache verified = settings.OpenSslContext.VerifiedChains;

        await ClickAsync(terminator.Https, settings, allowResume: false, expectResumed: false, "default.test");
        string kind = await FailureKindAsync(terminator.Https, "nobody.tracking.test", settings);

        Assert.Equal("tls certificate rejected (hostname mismatch)", kind);
        Assert.Equal((1, 1), (verified.Hits, verified.Misses));   // refused on the remembered path, not by a full verification
    }

    [Fact]
    public async Task RememberedChain_DoesNotVouchForAForgedOneForTheSameName()
    {
        TlsSettings settings = Trusting(ca.Root);
        await using (var upstream = new RecordingUpstream())
        await using (var genuine = TestTerminator.Start(upstream.EndPoint, ca.Certificates))
        {
            await ClickAsync(genuine.Https, settings, allowResume: false, expectResumed: false);
        }

        // The same name, issuer and key identifiers as the remembered chain's leaf; one bit of the CA's signature flipped.
        IssuedCertificate issued = ca.Authority.Issue([Site]);
        byte[] der = X509Certificate2.CreateFromPem(issued.CertificatePem).RawData;
        der[^1] ^= 0x01;
        var certificates = new CertificateMap();
        certificates.Set(CertificateLoader.LoadPem(new string(PemEncoding.Write("CERTIFICATE", der)) + "\n", issued.PrivateKeyPem, "test:forged"));
        await using var forgedUpstream = new RecordingUpstream();
        await using var forged = TestTerminator.Start(forgedUpstream.EndPoint, certificates);

        string kind = await FailureKindAsync(forged.Https, Site, settings);

        Assert.Equal("tls certificate rejected (certificate signature failure)", kind);
        Assert.Equal((0, 2), (settings.OpenSslContext.VerifiedChains.Hits, settings.OpenSslContext.VerifiedChains.Misses));
    }

    /// <summary>One click (handshake, GET, response, close); returns the server's handshake flight size.</summary>
    private static async Task<long> ClickAsync(IPEndPoint https, TlsSettings settings, bool allowResume, bool expectResumed, string name = Site)
    {
        await using TlsConnection connection = await OpenAsync(https, name, settings, allowResume);
        await HttpExchange.SendGetAsync(connection.Stream, name, "/f/", 1, null, close: true, Timeout());
        HttpResponse response = await HttpExchange.ReadResponseAsync(connection.Stream, Timeout());
        Assert.NotEqual(0, response.Status);
        Assert.Equal(expectResumed, connection.Resumed);
        return connection.HandshakeBytesReceived;
    }

    private static TlsSettings Trusting(X509Certificate2 root) => new([root], insecure: false, TlsEngineKind.OpenSsl);

    private static Task<TlsConnection> OpenAsync(IPEndPoint https, string name, TlsSettings settings, bool allowResume = false) =>
        TlsConnection.OpenAsync(https, name, settings, allowResume, source: null, new PhaseTracker(), Timeout());

    private static async Task<string> FailureKindAsync(IPEndPoint https, string name, TlsSettings settings)
    {
        var phase = new PhaseTracker();
        try
        {
            await using TlsConnection connection = await TlsConnection.OpenAsync(https, name, settings, allowResume: false, source: null, phase, Timeout());
        }
        catch (Exception ex)
        {
            Assert.Equal("handshake", phase.Current);
            return ErrorKinds.Classify(ex, phase.Current);
        }

        Assert.Fail($"the handshake for {name} succeeded");
        return "";
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;
}
