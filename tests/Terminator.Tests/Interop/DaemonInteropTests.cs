using System.Net;
using System.Text.RegularExpressions;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Samples.Origin;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Interop;

/// <summary>The daemon as a real process, driven by real clients: curl and openssl s_client.</summary>
public sealed partial class DaemonInteropTests
{
    [Fact]
    public async Task Demo_PrintedCurlCommand_Returns302WithLocation_AndExitsCleanlyOnSigterm()
    {
        using var temp = new TempDirectory("demo");
        string workdir = temp.FullName;
        await using DaemonProcess daemon = DaemonProcess.Start("demo", new Dictionary<string, string>(), workdir);

        Match click = await daemon.WaitForLineAsync(CurlClickLine(), TimeSpan.FromSeconds(30));
        (int curlExit, string curlOutput) = await DaemonProcess.RunToolAsync("bash", ["-c", click.Value.Trim()]);

        Assert.Equal(0, curlExit);
        Assert.Matches(@"HTTP/1\.1 302", curlOutput);
        Assert.Matches(@"(?im)^location: https://example\.org/welcome\r?$", curlOutput);

        Match open = await daemon.WaitForLineAsync(CurlOpenLine(), TimeSpan.FromSeconds(5));
        (_, string gifBytes) = await DaemonProcess.RunToolAsync("bash", ["-c", open.Value.Trim()]);
        Assert.Equal("43", gifBytes.Trim());

        Match port = await daemon.WaitForLineAsync(HttpsPortLine(), TimeSpan.FromSeconds(5));
        string ca = Path.Combine(workdir, ".terminator-demo", "ca.pem");
        (int sslExit, string sslOutput) = await DaemonProcess.RunToolAsync("openssl",
            ["s_client", "-connect", $"127.0.0.1:{port.Groups[1].Value}", "-servername", "email.shop.example", "-CAfile", ca, "-verify_return_error", "-brief"],
            standardInput: "");
        Assert.Equal(0, sslExit);
        Assert.Contains("email.shop.example", sslOutput, StringComparison.Ordinal);
        Assert.Contains("Verification: OK", sslOutput, StringComparison.Ordinal);

        daemon.Signal(DaemonProcess.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task Daemon_CertDirectory_ServesCurlAndOpenSslWithRightCertificates()
    {
        using var temp = new TempDirectory("certs");
        string dir = Directory.CreateDirectory(temp.PathOf("certs")).FullName;
        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("Interop CA");
        string caPath = temp.PathOf("ca.pem");
        await File.WriteAllTextAsync(caPath, authority.CertificatePem);
        authority.Issue(["click.customer-one.test"]).WriteFlat(dir, "one");
        authority.Issue(["email.customer-two.test"]).WriteCertbot(Path.Combine(dir, "live"), "two");
        authority.Issue(["*.customer-three.test"]).WriteCombined(Path.Combine(dir, "three.pem"));
        await File.WriteAllTextAsync(Path.Combine(dir, "broken.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n");
        await using SampleTrackingOrigin origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));

        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string>
        {
            ["TERMINATOR_CERT_DIR"] = dir,
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_UPSTREAM"] = $"http://{origin.EndPoint}",
        });
        Match ready = await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30));
        string https = ready.Groups["https"].Value;
        string httpsPort = https[(https.LastIndexOf(':') + 1)..];

        Assert.Contains("broken.pem", daemon.StandardError, StringComparison.Ordinal);   // skipped with its path
        foreach (string name in new[] { "click.customer-one.test", "email.customer-two.test", "x.customer-three.test" })
        {
            (int exit, string output) = await DaemonProcess.RunToolAsync("curl",
                ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "--cacert", caPath, "--resolve", $"{name}:{httpsPort}:127.0.0.1", $"https://{name}:{httpsPort}/q/abc"]);
            Assert.True(exit == 0, $"curl {name}: exit {exit}: {output}\ndaemon: {daemon.StandardError}");
            Assert.Equal("200 43", output.Trim());

            (int sslExit, string sslOutput) = await DaemonProcess.RunToolAsync("openssl",
                ["s_client", "-connect", $"127.0.0.1:{httpsPort}", "-servername", name, "-CAfile", caPath, "-verify_return_error", "-brief"], standardInput: "");
            Assert.True(sslExit == 0, $"openssl {name}: exit {sslExit}: {sslOutput}");
            Assert.Contains("Verification: OK", sslOutput, StringComparison.Ordinal);
        }

        // TLS 1.1 and below are refused.
        (int oldExit, _) = await DaemonProcess.RunToolAsync("openssl",
            ["s_client", "-connect", $"127.0.0.1:{httpsPort}", "-servername", "click.customer-one.test", "-tls1_1"], standardInput: "");
        Assert.NotEqual(0, oldExit);

        // CBC-only TLS 1.2 clients are refused; an ECDHE-AEAD one gets through.
        (int cbcExit, _) = await DaemonProcess.RunToolAsync("openssl",
            ["s_client", "-connect", $"127.0.0.1:{httpsPort}", "-servername", "click.customer-one.test", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA"], standardInput: "");
        Assert.NotEqual(0, cbcExit);
        (int gcmExit, string gcmOutput) = await DaemonProcess.RunToolAsync("openssl",
            ["s_client", "-connect", $"127.0.0.1:{httpsPort}", "-servername", "click.customer-one.test", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-GCM-SHA384", "-brief"], standardInput: "");
        Assert.Equal(0, gcmExit);
        Assert.Contains("ECDHE-ECDSA-AES256-GCM-SHA384", gcmOutput, StringComparison.Ordinal);

        // Hot reload: a certificate dropped into the folder is served without a restart or a signal.
        authority.Issue(["late.customer-four.test"]).WriteFlat(dir, "four");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int lateExit;
        do
        {
            (lateExit, _) = await DaemonProcess.RunToolAsync("curl",
                ["-sS", "-o", "/dev/null", "--cacert", caPath, "--resolve", $"late.customer-four.test:{httpsPort}:127.0.0.1", $"https://late.customer-four.test:{httpsPort}/q/abc"]);
        }
        while (lateExit != 0 && clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(0, lateExit);

        daemon.Signal(DaemonProcess.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(15)));
    }

    [Theory]
    [InlineData("TERMINATOR_HANDSHAKE_TIMEOUT", "10x")]
    [InlineData("TERMINATOR_UPSTREAM", "ftp://tracking:21")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "127.0.0.1:99999")]
    [InlineData("TERMINATOR_UNKNOWN_SNI", "maybe")]
    public async Task Daemon_BadVariable_ExitsWith2AndNamesIt(string name, string value)
    {
        using var temp = new TempDirectory("bad-variable");
        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string> { [name] = value, ["TERMINATOR_CERT_DIR"] = temp.FullName });

        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains(name, daemon.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Daemon_NoUsableCertificate_ExitsWith2()
    {
        using var temp = new TempDirectory("empty");
        string dir = temp.FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "garbage.pem"), "nothing here");
        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string>
        {
            ["TERMINATOR_CERT_DIR"] = dir,
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
        });

        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("no usable certificate", daemon.StandardError, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"curl -si .*'https://click\.example\.com:\d+/f/[^']+'")]
    private static partial Regex CurlClickLine();

    [GeneratedRegex(@"curl -s --cacert .*/q/[^']+' \| wc -c")]
    private static partial Regex CurlOpenLine();

    [GeneratedRegex(@"https\s+127\.0\.0\.1:(\d+)")]
    private static partial Regex HttpsPortLine();

    [GeneratedRegex(@"ready: .*https (?<https>[^;]+);")]
    private static partial Regex ReadyLine();
}
