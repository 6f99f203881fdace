using System.Text.RegularExpressions;
using System.Xml.Linq;
using Terminator.Tests.TestHelpers;
using Terminator.Tls;

namespace Terminator.Tests.Interop;

/// <summary>
/// The TLS 1.2 suites the daemon process really negotiates, probed with openssl s_client and sslscan: ECDHE with
/// AES-GCM or ChaCha20-Poly1305 only, which OpenSSL itself enforces (the process-wide cipher list the daemon loads at
/// start-up), not only the ClientHello peek and the post-handshake check around it.
/// </summary>
public sealed partial class CipherPolicyDaemonTests(CipherPolicyDaemonFixture daemon) : IClassFixture<CipherPolicyDaemonFixture>
{
    [Fact]
    public async Task Tls12_CbcSuiteBesideAnAeadSuiteTheCertificateCannotUse_HandshakeFails()
    {
        // The peek lets this hello through (it offers an allowed suite, ECDHE-RSA-AES128-GCM-SHA256), but the name only
        // has an ECDSA certificate: the CBC suite is the only one OpenSSL could pick. It must not be in OpenSSL's list at
        // all: a post-handshake check would close the connection only after the CBC handshake completed.
        (int exit, string output) = await SClientAsync(CipherPolicyDaemonFixture.EcdsaName,
            ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256"]);

        Assert.DoesNotContain("Cipher is ECDHE-ECDSA-AES128-SHA256", output, StringComparison.Ordinal);
        Assert.Contains("Cipher is (NONE)", output, StringComparison.Ordinal);
        Assert.NotEqual(0, exit);
    }

    [Fact]
    public async Task Tls12_CbcOnlyClient_HandshakeFails()
    {
        (int exit, string output) = await SClientAsync(CipherPolicyDaemonFixture.EcdsaName, ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256"]);

        Assert.NotEqual(0, exit);
        Assert.Contains("Cipher is (NONE)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CipherPolicyDaemonFixture.EcdsaName, "ECDHE-ECDSA-CHACHA20-POLY1305")]
    [InlineData(CipherPolicyDaemonFixture.RsaName, "ECDHE-RSA-CHACHA20-POLY1305")]
    public async Task Tls12_ChaCha20OnlyClient_NegotiatesChaCha20AndGetsAResponse(string name, string suite)
    {
        (int exit, string output) = await SClientAsync(name, ["-tls1_2", "-cipher", suite, "-ign_eof"],
            $"GET /q/chacha HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n");

        Assert.True(exit == 0, output);
        Assert.Contains($"New, TLSv1.2, Cipher is {suite}", output, StringComparison.Ordinal);
        Assert.Contains("HTTP/1.1 200 OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls12_ChaCha20Reconnect_EveryReconnectionResumes()
    {
        // The list comes from OpenSSL's configuration, not a CipherSuitesPolicy, so SslStream keeps its SSL_CTX (and the
        // session cache and ticket key on it) and TLS 1.2 sessions still resume.
        (int exit, string output) = await SClientAsync(CipherPolicyDaemonFixture.EcdsaName,
            ["-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305", "-reconnect"]);

        Assert.True(exit == 0, output);
        string[] sessions = [.. SessionLine().Matches(output).Select(m => m.Value)];
        Assert.Equal(["New, TLSv1.2, Cipher is ECDHE-ECDSA-CHACHA20-POLY1305", .. Enumerable.Repeat("Reused, TLSv1.2, Cipher is ECDHE-ECDSA-CHACHA20-POLY1305", 5)], sessions);
    }

    [ToolFact("sslscan")]
    public async Task Sslscan_EveryName_Tls12IsEcdheAeadOnly_Tls13Enabled_NothingOlder()
    {
        foreach ((string name, string family) in new[] { (CipherPolicyDaemonFixture.EcdsaName, "ECDSA"), (CipherPolicyDaemonFixture.RsaName, "RSA") })
        {
            using var temp = new TempDirectory("sslscan");
            string xmlPath = temp.PathOf("scan.xml");
            (int exit, string output) = await DaemonProcess.RunToolAsync("sslscan",
                ["--no-colour", $"--sni-name={name}", $"--xml={xmlPath}", $"127.0.0.1:{daemon.Port}"], timeout: TimeSpan.FromSeconds(60));
            Assert.True(exit == 0, output);
            XElement test = XDocument.Load(xmlPath).Root!.Element("ssltest")!;

            string[] enabled = [.. test.Elements("protocol").Where(p => (string?)p.Attribute("enabled") == "1")
                .Select(p => $"{(string?)p.Attribute("type")}{(string?)p.Attribute("version")}")];
            Assert.Equal(["tls1.2", "tls1.3"], enabled);

            string[] tls12 = [.. Suites(test, "TLSv1.2").Order(StringComparer.Ordinal)];
            Assert.All(tls12, suite => Assert.Matches($"^ECDHE-{family}-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$", suite));
            // Every allowed suite for the key is offered (ChaCha20 included), and nothing else.
            string[] allowed = [.. TlsPolicy.OpenSslCipherList.Split(':').Where(s => s.StartsWith($"ECDHE-{family}-", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
            Assert.Equal(allowed, tls12);

            Assert.NotEmpty(Suites(test, "TLSv1.3"));
            Assert.DoesNotContain(test.Elements("cipher"), c => (string?)c.Attribute("sslversion") is not ("TLSv1.2" or "TLSv1.3"));
        }
    }

    private static IEnumerable<string> Suites(XElement test, string version) =>
        test.Elements("cipher").Where(c => (string?)c.Attribute("sslversion") == version).Select(c => (string)c.Attribute("cipher")!);

    private Task<(int ExitCode, string Output)> SClientAsync(string name, IEnumerable<string> arguments, string standardInput = "") =>
        DaemonProcess.RunToolAsync("openssl",
            ["s_client", "-connect", $"127.0.0.1:{daemon.Port}", "-servername", name, "-CAfile", daemon.CaPath, .. arguments],
            standardInput);

    [GeneratedRegex(@"(?m)^(New|Reused), TLSv1\.[23], Cipher is \S+")]
    private static partial Regex SessionLine();
}
