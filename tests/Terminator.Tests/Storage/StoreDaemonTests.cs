using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Samples.Origin;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Storage;

/// <summary>The daemon as a process, configured with nothing but the encrypted store.</summary>
public sealed partial class StoreDaemonTests : IDisposable
{
    private readonly TempDirectory _root = new("store-daemon");
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Store Daemon CA");

    public void Dispose()
    {
        _authority.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task Daemon_StoreOnly_ServesStoredCertificate_SkipsTamperedEntry_LogsNoKeyMaterial()
    {
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        string keyFile = Path.Combine(_root.FullName, "store.key");
        await File.WriteAllTextAsync(keyFile, key + "\n");
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string storeDir = Path.Combine(_root.FullName, "store");
        var env = new Dictionary<string, string> { ["TERMINATOR_STORE_KEY_FILE"] = keyFile, ["TERMINATOR_STORE_DIR"] = storeDir };

        IssuedCertificate served = _authority.Issue(["click.stored.test"]);
        served.WriteCombined(Path.Combine(_root.FullName, "served.pem"));
        _authority.Issue(["evil.stored.test"]).WriteCombined(Path.Combine(_root.FullName, "evil.pem"));
        var import = await StoreCli.RunAsync(env, "import", Path.Combine(_root.FullName, "served.pem"), Path.Combine(_root.FullName, "evil.pem"));
        Assert.True(import.ExitCode == 0, import.Stdout + import.Stderr);
        string tampered = Directory.GetFiles(storeDir, "evil.*").Single();
        byte[] bytes = await File.ReadAllBytesAsync(tampered);
        bytes[^5] ^= 0x01;
        await File.WriteAllBytesAsync(tampered, bytes);

        await using SampleTrackingOrigin origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string>(env)
        {
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
            ["TERMINATOR_UPSTREAM"] = $"http://{origin.EndPoint}",
        });
        Match ready = await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30));
        Assert.Equal("1", ready.Groups["count"].Value);
        var endPoint = IPEndPoint.Parse(ready.Groups["https"].Value);

        using X509Certificate2 root = X509Certificate2.CreateFromPem(_authority.CertificatePem);
        await using (RawHttpClient client = await RawHttpClient.ConnectTlsAsync(endPoint, "click.stored.test", root))
        {
            using X509Certificate2 expected = X509Certificate2.CreateFromPem(served.CertificatePem);
            Assert.Equal(expected.Thumbprint, new X509Certificate2(client.Tls!.RemoteCertificate!).Thumbprint);
            await client.SendAsync("GET /q/abc HTTP/1.1\r\nHost: click.stored.test\r\n\r\n");
            Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        }

        Assert.Contains($"store entry skipped: {tampered}: authentication failed", daemon.StandardError, StringComparison.Ordinal);
        daemon.Signal(DaemonProcess.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(15)));

        string logs = daemon.StandardOutput + daemon.StandardError + import.Stdout + import.Stderr;
        Assert.DoesNotContain("PRIVATE KEY", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(key, logs, StringComparison.Ordinal);
        foreach (string line in served.PrivateKeyPem.Split('\n').Where(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(line, logs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Daemon_WrongKey_OneClearStartupErrorExit2()
    {
        string storeDir = Path.Combine(_root.FullName, "store");
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        _authority.Issue(["a.stored.test"]).WriteCombined(Path.Combine(_root.FullName, "a.pem"));
        Assert.Equal(0, (await StoreCli.RunAsync(new Dictionary<string, string> { ["TERMINATOR_STORE_KEY"] = key, ["TERMINATOR_STORE_DIR"] = storeDir }, "import", Path.Combine(_root.FullName, "a.pem"))).ExitCode);

        string wrong = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string>
        {
            ["TERMINATOR_STORE_KEY"] = wrong,
            ["TERMINATOR_STORE_DIR"] = storeDir,
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
        });

        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        // The admin listener starts before the store loads, so its info line may precede the one error line.
        string[] lines = daemon.StandardError.Trim().Split('\n');
        Assert.Equal($"terminator: TERMINATOR_STORE_KEY does not decrypt the store at {storeDir} (1 entries fail authentication; wrong key?)", lines[^1]);
        Assert.All(lines[..^1], line => Assert.Contains(" info  [admin] admin listening on ", line, StringComparison.Ordinal));
        Assert.DoesNotContain(wrong, daemon.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Daemon_Sighup_ReloadsAndKeepsServing_SigtermStillDrainsToExit0()
    {
        string storeDir = Path.Combine(_root.FullName, "store");
        var env = new Dictionary<string, string>
        {
            ["TERMINATOR_STORE_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["TERMINATOR_STORE_DIR"] = storeDir,
        };
        _authority.Issue(["hup.stored.test"]).WriteCombined(Path.Combine(_root.FullName, "hup.pem"));
        Assert.Equal(0, (await StoreCli.RunAsync(env, "import", Path.Combine(_root.FullName, "hup.pem"))).ExitCode);

        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string>(env)
        {
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
        });
        await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30));

        daemon.Signal(DaemonProcess.SIGHUP);
        await daemon.WaitForLineAsync(ReloadLine(), TimeSpan.FromSeconds(15));
        Assert.False(daemon.HasExited);

        daemon.Signal(DaemonProcess.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.DoesNotContain("reload failed", daemon.StandardError, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"SIGHUP: rescan done in \d+ ms: .*; 1 certificates, 1 names")]
    private static partial Regex ReloadLine();

    [GeneratedRegex(@"ready: \d+ names from (?<count>\d+) certificates; https (?<https>[^;,]+)")]
    private static partial Regex ReadyLine();
}
