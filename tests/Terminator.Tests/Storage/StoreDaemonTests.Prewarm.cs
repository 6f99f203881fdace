using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Terminator.Samples.Origin;
using Terminator.Tests.Diagnostics;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Storage;

/// <summary>TERMINATOR_CERT_PREWARM: every stored certificate's context built behind the traffic after start-up, so a
/// name's first handshake finds it cached; off, or a store larger than the cache, leaves each to its first handshake.</summary>
public sealed partial class StoreDaemonTests
{
    private static readonly string[] s_prewarmNames = ["a.prewarm.test", "b.prewarm.test", "c.prewarm.test"];

    [Theory]
    [InlineData("on", null)]
    [InlineData("off", null)]
    [InlineData("on", "2")]
    public async Task Daemon_Prewarm_FirstHandshakeFindsItsContextBuilt_UnlessOffOrTheStoreExceedsTheCache(string prewarm, string? cacheSize)
    {
        string storeDir = Path.Combine(_root.FullName, "store");
        var env = new Dictionary<string, string>
        {
            ["TERMINATOR_STORE_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["TERMINATOR_STORE_DIR"] = storeDir,
        };
        var files = new List<string>();
        foreach (string name in s_prewarmNames)
        {
            string file = Path.Combine(_root.FullName, name + ".pem");
            _authority.Issue([name]).WriteCombined(file);
            files.Add(file);
        }

        var import = await StoreCli.RunAsync(env, ["import", .. files]);
        Assert.True(import.ExitCode == 0, import.Stdout + import.Stderr);

        string token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        await using SampleTrackingOrigin origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        var daemonEnv = new Dictionary<string, string>(env)
        {
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
            ["TERMINATOR_UPSTREAM"] = $"http://{origin.EndPoint}",
            ["TERMINATOR_ADMIN_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_ADMIN_TOKEN"] = token,
            ["TERMINATOR_CERT_PREWARM"] = prewarm,
        };
        if (cacheSize is not null)
        {
            daemonEnv["TERMINATOR_CERT_CACHE_SIZE"] = cacheSize;
        }

        await using DaemonProcess daemon = DaemonProcess.Start(null, daemonEnv);
        Match ready = await daemon.WaitForLineAsync(ReadyWithAdminLine(), TimeSpan.FromSeconds(30));
        var endPoint = IPEndPoint.Parse(ready.Groups["https"].Value);
        using var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{ready.Groups["admin"].Value}/") };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        bool expectWarm = prewarm == "on" && cacheSize is null;
        if (expectWarm)
        {
            await daemon.WaitForLineAsync(PrewarmedLine(), TimeSpan.FromSeconds(30));
        }
        else if (prewarm == "on")
        {
            await daemon.WaitForLineAsync(NotPrewarmedLine(), TimeSpan.FromSeconds(30));
        }

        PrometheusExposition before = PrometheusExposition.Parse(await admin.GetStringAsync(new Uri("metrics", UriKind.Relative)));
        Assert.Equal(expectWarm ? 3 : 0, before.Value("terminator_certificate_cache_entries"));

        using X509Certificate2 root = X509Certificate2.CreateFromPem(_authority.CertificatePem);
        await using (RawHttpClient client = await RawHttpClient.ConnectTlsAsync(endPoint, s_prewarmNames[1], root))
        {
            await client.SendAsync($"GET /q/abc HTTP/1.1\r\nHost: {s_prewarmNames[1]}\r\n\r\n");
            Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        }

        PrometheusExposition after = PrometheusExposition.Parse(await admin.GetStringAsync(new Uri("metrics", UriKind.Relative)));
        // The first handshake for the name waited for a load only where nothing was prewarmed.
        Assert.Equal(expectWarm ? 0 : 1, after.Value("terminator_certificate_cache_misses_total"));
        Assert.Equal(expectWarm ? 1 : 0, after.Value("terminator_certificate_cache_hits_total"));

        daemon.Signal(DaemonProcess.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal(prewarm == "off", !daemon.StandardError.Contains("prewarm", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"ready: .*https (?<https>[^;,]+);.*; admin (?<admin>\S+)$")]
    private static partial Regex ReadyWithAdminLine();

    [GeneratedRegex(@"prewarmed 3 certificate contexts in [\d.]+ s \(\d+ µs of CPU each, process-wide\); 0 failed")]
    private static partial Regex PrewarmedLine();

    [GeneratedRegex(@"certificate contexts not prewarmed: 3 certificates exceed TERMINATOR_CERT_CACHE_SIZE \(2\)")]
    private static partial Regex NotPrewarmedLine();
}
