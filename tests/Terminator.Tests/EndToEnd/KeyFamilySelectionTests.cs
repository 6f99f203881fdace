using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// One name with an ECDSA and an RSA certificate, over real sockets with real clients: openssl s_client restricted to
/// RSA signature algorithms gets the RSA leaf (TLS 1.2 and 1.3), default s_client and curl get the ECDSA leaf. The two
/// leaves carry a marker as their first name (and so their CN) besides the shared name, and the key size is checked too.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class KeyFamilySelectionTests(CertificateAuthorityFixture ca) : IAsyncLifetime
{
    private const string Name = "dual.keys.test";
    private static readonly string[] s_rsaOnlySigalgs = ["-sigalgs", "rsa_pss_rsae_sha256:rsa_pkcs1_sha256"];

    private readonly TempDirectory _caDirectory = new("keys-ca");
    private RecordingUpstream _upstream = null!;
    private TestTerminator _terminator = null!;

    private string CaPath => _caDirectory.PathOf("ca.pem");

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(CaPath, ca.Authority.CertificatePem);
        var certificates = new CertificateMap();
        IssuedCertificate ecdsa = ca.Authority.Issue(["ecdsa.keys.test", Name], CertificateKeyType.EcdsaP256);
        IssuedCertificate rsa = ca.Authority.Issue(["rsa.keys.test", Name], CertificateKeyType.Rsa2048);
        certificates.Set(CertificateLoader.LoadPem(rsa.ChainPem, rsa.PrivateKeyPem, "test:rsa"));
        certificates.Set(CertificateLoader.LoadPem(ecdsa.ChainPem, ecdsa.PrivateKeyPem, "test:ecdsa"));
        _upstream = new RecordingUpstream();
        _terminator = TestTerminator.Start(_upstream.EndPoint, certificates);
    }

    public async Task DisposeAsync()
    {
        await _terminator.DisposeAsync();
        await _upstream.DisposeAsync();
        _caDirectory.Dispose();
    }

    [Theory]
    [InlineData("-tls1_2")]
    [InlineData("-tls1_3")]
    public async Task OpenSsl_RsaOnlySignatureAlgorithms_GetsRsaLeaf(string version)
    {
        string output = await SClientAsync([version, .. s_rsaOnlySigalgs]);

        Assert.Contains("subject=CN = rsa.keys.test", output, StringComparison.Ordinal);
        Assert.Contains("Server public key is 2048 bit", output, StringComparison.Ordinal);
        Assert.Matches(@"Peer signature type: RSA", output);
    }

    [Theory]
    [InlineData("-tls1_2")]
    [InlineData("-tls1_3")]
    public async Task OpenSsl_Default_GetsEcdsaLeaf(string version)
    {
        string output = await SClientAsync([version]);

        Assert.Contains("subject=CN = ecdsa.keys.test", output, StringComparison.Ordinal);
        Assert.Contains("Server public key is 256 bit", output, StringComparison.Ordinal);
        Assert.Contains("Peer signature type: ECDSA", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.3")]
    [InlineData("1.2")]
    public async Task Curl_Default_GetsEcdsaLeafAndAResponse(string tlsMax)
    {
        int port = _terminator.Https.Port;
        (int exit, string output) = await DaemonProcess.RunToolAsync("curl",
            ["-sS", "-v", "-o", "/dev/null", "-w", "status=%{http_code}\n", "--tls-max", tlsMax, "--cacert", CaPath,
             "--resolve", $"{Name}:{port}:127.0.0.1", $"https://{Name}:{port}/q/abc"],
            timeout: TimeSpan.FromSeconds(20));

        Assert.True(exit == 0, output);
        Assert.Contains("status=200", output, StringComparison.Ordinal);
        Assert.Contains("subject: CN=ecdsa.keys.test", output, StringComparison.Ordinal);
        if (tlsMax == "1.2")
        {
            Assert.Contains("ECDHE-ECDSA-", output, StringComparison.Ordinal);
        }
    }

    private async Task<string> SClientAsync(string[] options)
    {
        (int exit, string output) = await DaemonProcess.RunToolAsync("openssl",
            ["s_client", "-connect", $"127.0.0.1:{_terminator.Https.Port}", "-servername", Name, "-CAfile", CaPath, "-verify_return_error", .. options],
            standardInput: "", timeout: TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, output);
        Assert.Contains("Verify return code: 0 (ok)", output, StringComparison.Ordinal);
        return output;
    }
}
