using System.Net;
using System.Text.RegularExpressions;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Samples.Origin;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Interop;

/// <summary>The daemon process with its default TERMINATOR_OCSP_STAPLING=on, certificates from TERMINATOR_CERT_DIR.</summary>
public sealed partial class OcspDaemonInteropTests
{
    [Fact]
    public async Task Daemon_CertDirectory_StaplesForCompleteChainAndWarnsForIncompleteOne()
    {
        using var temp = new TempDirectory("ocsp-certs");
        string dir = Directory.CreateDirectory(temp.PathOf("certs")).FullName;
        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("OCSP Interop CA");
        int responderPort = LoopbackPorts.Reserve();
        var responderUrl = new Uri($"http://127.0.0.1:{responderPort}/");
        IssuedCertificate stapled = authority.Issue(["stapled.ocsp.test"], ocspResponder: responderUrl);
        IssuedCertificate partial = authority.Issue(["partial.ocsp.test"], ocspResponder: responderUrl);
        // Combined PEM with the root, so the chain is complete; the other is fullchain-style, without it.
        await File.WriteAllTextAsync(Path.Combine(dir, "stapled.pem"), stapled.ChainPem + authority.CertificatePem + stapled.PrivateKeyPem);
        File.SetUnixFileMode(Path.Combine(dir, "stapled.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        partial.WriteFlat(dir, "partial");
        string caPath = temp.PathOf("ca.pem");
        await File.WriteAllTextAsync(caPath, authority.CertificatePem);
        await using OcspResponderProcess responder = await OcspResponderProcess.StartAsync(
            authority, [stapled.CertificatePem, partial.CertificatePem], responderPort, TimeSpan.FromSeconds(10));
        await using SampleTrackingOrigin origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));

        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string>
        {
            ["TERMINATOR_CERT_DIR"] = dir,
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
            ["TERMINATOR_UPSTREAM"] = $"http://{origin.EndPoint}",
        });
        Match ready = await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30));
        string port = ready.Groups["port"].Value;

        string stapledOutput = await StatusAsync(port, "stapled.ocsp.test", caPath, untilStapled: true);
        Assert.Contains("OCSP Response Status: successful", stapledOutput, StringComparison.Ordinal);
        Assert.Contains("Cert Status: good", stapledOutput, StringComparison.Ordinal);

        string partialOutput = await StatusAsync(port, "partial.ocsp.test", caPath, untilStapled: false);
        Assert.Contains("OCSP response: no response sent", partialOutput, StringComparison.Ordinal);
        Assert.Matches(@"partial\.crt: names OCSP responder http://127\.0\.0\.1:\d+/ but its chain does not reach a root", daemon.StandardError + daemon.StandardOutput);

        daemon.Signal(DaemonProcess.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(15)));
    }

    private static Task<string> StatusAsync(string port, string name, string caPath, bool untilStapled)
    {
        // The first fetch runs in the background after load; bounded retry, as in OcspStaplingTests.
        return untilStapled
            ? Eventually.ResultAsync(SClientAsync, output => output.Contains("OCSP Response Status:", StringComparison.Ordinal), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200))
            : SClientAsync();

        async Task<string> SClientAsync()
        {
            (int exit, string output) = await DaemonProcess.RunToolAsync("openssl",
                ["s_client", "-connect", $"127.0.0.1:{port}", "-servername", name, "-status", "-CAfile", caPath], standardInput: "");
            Assert.True(exit == 0, $"s_client {name}: exit {exit}: {output}");
            return output;
        }
    }

    [GeneratedRegex(@"ready: .*https 127\.0\.0\.1:(?<port>\d+);")]
    private static partial Regex ReadyLine();
}
