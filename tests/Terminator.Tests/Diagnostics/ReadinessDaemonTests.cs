using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;
using Xunit.Abstractions;

namespace Terminator.Tests.Diagnostics;

/// <summary>
/// The admin listener of the real daemon without ACME: up before the certificates load, /readyz 503 while they do, 200
/// once the node serves, 503 again from the moment a SIGTERM starts the drain; /healthz and /metrics throughout; and
/// nothing at all with <c>TERMINATOR_ADMIN_LISTEN=off</c>.
/// </summary>
public sealed partial class ReadinessDaemonTests(ITestOutputHelper output) : IDisposable
{
    // PEM files are validated at start-up (~1 ms each, on every core): enough to see the node starting for a while. 1,000
    // loaded in ~0.5 s on a quiet 2-core host once the daemon ran background GC (the collector's work moved to the other
    // core), and a probe could then miss the window; 3,000 keep it at ~1.5 s.
    private const int CertificateCount = 3000;

    private readonly TempDirectory _root = new("readiness");
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Readiness Test CA");

    public void Dispose()
    {
        _authority.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task Readyz_Is503WhileCertificatesLoad_200WhenServing_503OnceDrainingStarts()
    {
        string certificates = WriteCertificates(CertificateCount);
        var upstream = new RecordingUpstream(UpstreamBehavior.Stall);
        await using var stopUpstream = new UpstreamOwner(upstream);
        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string>
        {
            ["TERMINATOR_CERT_DIR"] = certificates,
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
            ["TERMINATOR_UPSTREAM"] = $"http://{upstream.EndPoint}",
            ["TERMINATOR_DRAIN_TIMEOUT"] = "30s",
        });
        Match adminLine = await daemon.WaitForLineAsync(AdminLine(), TimeSpan.FromSeconds(60));
        Assert.Contains("/v1 off: TERMINATOR_ACME is off", adminLine.Value, StringComparison.Ordinal);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri($"http://{adminLine.Groups["admin"].Value}/"),
            Timeout = TimeSpan.FromSeconds(10),
        };

        // :: Starting: every probe before the "ready" line is a 503.
        var seen = new List<(HttpStatusCode Status, string Body, bool ReadyLogged)>();
        bool healthyWhileStarting = false;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            bool readyLogged = ReadyLine().IsMatch(daemon.StandardOutput + "\n" + daemon.StandardError);
            (HttpStatusCode status, string body) = await GetAsync(http, "readyz");
            seen.Add((status, body, readyLogged));
            if (status == HttpStatusCode.OK)
            {
                break;
            }

            if (!healthyWhileStarting)
            {
                healthyWhileStarting = (await GetAsync(http, "healthz")) == (HttpStatusCode.OK, "ok\n");
                Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, "metrics")).Status);
            }

            await Task.Delay(20);
        }

        output.WriteLine($"{seen.Count} probes until ready in {clock.Elapsed.TotalSeconds:0.00} s");
        Assert.True(seen.Count >= 2, $"start-up too quick to observe: the first probe already saw {seen[0].Status}");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "starting\n", false), seen[0]);
        Assert.All(seen.Where(p => p.Status != HttpStatusCode.OK), p => Assert.Equal("starting\n", p.Body));
        Assert.Equal(HttpStatusCode.OK, seen[^1].Status);
        Assert.Equal("ready\n", seen[^1].Body);
        Assert.True(healthyWhileStarting, "/healthz did not answer 200 ok during start-up");

        Match ready = await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(10));
        Assert.Equal(CertificateCount.ToString(System.Globalization.CultureInfo.InvariantCulture), ready.Groups["count"].Value);
        (HttpStatusCode domainsStatus, string domainsBody) = await GetAsync(http, "v1/domains");
        Assert.Equal(HttpStatusCode.NotFound, domainsStatus);
        Assert.Contains("TERMINATOR_ACME=on", domainsBody, StringComparison.Ordinal);

        // :: Draining: a request in flight (the upstream never answers) keeps the daemon draining after SIGTERM.
        using var root = X509Certificate2.CreateFromPem(_authority.CertificatePem);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(IPEndPoint.Parse(ready.Groups["https"].Value), Name(7), root);
        await client.SendAsync($"GET /q/pending HTTP/1.1\r\nHost: {Name(7)}\r\n\r\n");
        Assert.True(await Eventually.TrueAsync(() => !upstream.Requests.IsEmpty), "the request never reached the upstream");
        daemon.Signal(DaemonProcess.SIGTERM);
        (HttpStatusCode Status, string Body) draining = await Eventually.ResultAsync(
            () => GetAsync(http, "readyz"), r => r.Status == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "draining\n"), draining);
        Assert.Equal((HttpStatusCode.OK, "ok\n"), await GetAsync(http, "healthz"));
        Assert.False(daemon.HasExited, "the daemon stopped before its in-flight request finished");

        // The upstream going away ends the request (502), and with it the drain.
        await stopUpstream.DisposeAsync();
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>Disposes the upstream once, whether the test stops it itself or fails before.</summary>
    private sealed class UpstreamOwner(RecordingUpstream upstream) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync() => Interlocked.Exchange(ref _disposed, 1) == 0 ? upstream.DisposeAsync() : ValueTask.CompletedTask;
    }

    [Fact]
    public async Task AdminListenOff_NoAdminListenerAtAll()
    {
        string certificates = WriteCertificates(2);
        await using var upstream = new RecordingUpstream();
        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string>
        {
            ["TERMINATOR_CERT_DIR"] = certificates,
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
            ["TERMINATOR_UPSTREAM"] = $"http://{upstream.EndPoint}",
            ["TERMINATOR_ADMIN_LISTEN"] = "off",
        });

        Match ready = await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(60));

        Assert.DoesNotContain("; admin ", ready.Value, StringComparison.Ordinal);
        Assert.DoesNotMatch(AdminLine(), daemon.StandardOutput + "\n" + daemon.StandardError);
    }

    /// <summary>Both signals terminate a process by default; logrotate's <c>kill -USR1</c> or a reload can come while a
    /// big node is still loading its certificates.</summary>
    [Fact]
    public async Task SighupAndSigusr1WhileCertificatesLoad_IgnoredWithALine_TheDaemonBecomesReady()
    {
        string certificates = WriteCertificates(CertificateCount);
        await using var upstream = new RecordingUpstream();
        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string>
        {
            ["TERMINATOR_CERT_DIR"] = certificates,
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
            ["TERMINATOR_UPSTREAM"] = $"http://{upstream.EndPoint}",
        });
        // The admin line comes before the certificates load.
        await daemon.WaitForLineAsync(AdminLine(), TimeSpan.FromSeconds(60));
        daemon.Signal(DaemonProcess.SIGHUP);
        daemon.Signal(DaemonProcess.SIGUSR1);

        await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(60));
        string log = daemon.StandardOutput + "\n" + daemon.StandardError;
        Assert.Contains("SIGHUP during start-up: ignored", log, StringComparison.Ordinal);
        Assert.Contains("SIGUSR1 during start-up: ignored", log, StringComparison.Ordinal);
        daemon.Signal(DaemonProcess.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    private string WriteCertificates(int count)
    {
        string directory = Path.Combine(_root.FullName, $"certs-{count}");
        Directory.CreateDirectory(directory);
        Parallel.For(0, count, i => _authority.Issue([Name(i)]).WriteCombined(Path.Combine(directory, Name(i) + ".pem")));
        return directory;
    }

    private static string Name(int i) => $"r{i:D5}.readiness.test";

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient http, string path)
    {
        using HttpResponseMessage response = await http.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex(@"admin listening on http://(?<admin>[^:/]+:\d+): .*")]
    private static partial Regex AdminLine();

    [GeneratedRegex(@"ready: \d+ names from (?<count>\d+) certificates; https (?<https>[^;,]+)")]
    private static partial Regex ReadyLine();
}
