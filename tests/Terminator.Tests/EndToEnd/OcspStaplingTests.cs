using System.Net;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// OCSP stapling against a real responder (<c>openssl ocsp</c> on a local port, named in the leaf's AIA extension),
/// observed with <c>openssl s_client -status</c>.
/// </summary>
public sealed class OcspStaplingTests
{
    private const string Name = "ocsp.stapling.test";

    // SslStream fetches in the background after the context is built; a handshake never waits for it, so the first
    // s_client may see no staple. Retried within this bound (on a healthy machine the first or second try has it).
    private static readonly TimeSpan StapleDeadline = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("-tls1_3")]
    [InlineData("-tls1_2")]
    public async Task StaplingOn_LeafNamesLocalResponder_SClientSeesGoodResponse(string protocol)
    {
        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("OCSP Test CA");
        int responderPort = LoopbackPorts.Reserve();
        IssuedCertificate issued = authority.Issue([Name], ocspResponder: new Uri($"http://127.0.0.1:{responderPort}/"));
        await using OcspResponderProcess responder = await OcspResponderProcess.StartAsync(authority, [issued.CertificatePem], responderPort, TimeSpan.FromSeconds(10));
        // The root is in the file: it is not in the system trust store, and SslStream staples only for a chain ending in a root.
        CertificateEntry entry = CertificateLoader.LoadPem(issued.ChainPem + authority.CertificatePem, issued.PrivateKeyPem, "test:ocsp");
        var map = new CertificateMap(ocspStapling: true);
        map.Set(entry);

        Assert.Equal(OcspStaplingState.Enabled, entry.OcspStapling);
        Assert.True(entry.IsMaterialized);   // built at publication, off the handshake path
        Assert.Null(entry.OcspStaplingProblem);

        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, map);
        using var temp = new TempDirectory("ocsp-ca");
        string caFile = temp.PathOf("ca.pem");
        await File.WriteAllTextAsync(caFile, authority.CertificatePem);
        string output = await StatusUntilStapledAsync(terminator.Https, protocol, caFile);

        Assert.Contains("OCSP Response Status: successful", output, StringComparison.Ordinal);
        Assert.Contains("Cert Status: good", output, StringComparison.Ordinal);
        Assert.Contains("Verify return code: 0 (ok)", output, StringComparison.Ordinal);
        // SslStream asked with an RFC 6960 §A.1 GET to the AIA URL.
        Assert.Contains("Received request, 1st line: GET /", responder.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaplingOff_LeafNamesLocalResponder_NothingStapledAndResponderNeverAsked()
    {
        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("OCSP Test CA");
        int responderPort = LoopbackPorts.Reserve();
        IssuedCertificate issued = authority.Issue([Name], ocspResponder: new Uri($"http://127.0.0.1:{responderPort}/"));
        await using OcspResponderProcess responder = await OcspResponderProcess.StartAsync(authority, [issued.CertificatePem], responderPort, TimeSpan.FromSeconds(10));
        CertificateEntry entry = CertificateLoader.LoadPem(issued.ChainPem + authority.CertificatePem, issued.PrivateKeyPem, "test:ocsp-off");
        var map = new CertificateMap(ocspStapling: false);
        map.Set(entry);

        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, map);
        (int exit, string output) = await DaemonProcess.RunToolAsync("openssl",
            ["s_client", "-connect", $"127.0.0.1:{terminator.Https.Port}", "-servername", Name, "-status"], standardInput: "");

        Assert.Equal(0, exit);
        Assert.Contains("OCSP response: no response sent", output, StringComparison.Ordinal);
        Assert.Equal(OcspStaplingState.NotRequested, entry.OcspStapling);
        Assert.DoesNotContain("Received request", responder.Output, StringComparison.Ordinal);
    }

    private static Task<string> StatusUntilStapledAsync(IPEndPoint https, string protocol, string caFile) => Eventually.ResultAsync(
        async () =>
        {
            (int exit, string output) = await DaemonProcess.RunToolAsync("openssl",
                ["s_client", "-connect", $"127.0.0.1:{https.Port}", "-servername", Name, protocol, "-status", "-CAfile", caFile], standardInput: "");
            Assert.True(exit == 0, $"s_client exit {exit}: {output}");
            return output;
        },
        output => output.Contains("OCSP Response Status:", StringComparison.Ordinal), StapleDeadline, TimeSpan.FromMilliseconds(200));
}
