using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Terminator.Samples.Certificates;
using Terminator.Samples.Origin;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.AccessLog;

/// <summary>The access log of the daemon process: logrotate's rename + SIGUSR1, and a standard output nobody reads.</summary>
public sealed partial class AccessLogDaemonTests : IDisposable
{
    private const int SIGUSR1 = 10; // Linux
    private readonly TempDirectory _certificates = new("access-certs");
    private readonly AccessLogFile _log = new();

    public AccessLogDaemonTests()
    {
        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("Access Log CA");
        authority.Issue(["click.access.test"]).WriteFlat(_certificates.FullName, "click");
    }

    public void Dispose()
    {
        _log.Dispose();
        _certificates.Dispose();
    }

    private Dictionary<string, string> Environment(string upstream, string accessLog) => new()
    {
        ["TERMINATOR_CERT_DIR"] = _certificates.FullName,
        ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
        ["TERMINATOR_HTTP_LISTEN"] = "127.0.0.1:0",
        ["TERMINATOR_UPSTREAM"] = $"http://{upstream}",
        ["TERMINATOR_ACCESS_LOG"] = accessLog,
        // Not the default 127.0.0.1:9180: another daemon on the host (or another test) may hold it.
        ["TERMINATOR_ADMIN_LISTEN"] = "127.0.0.1:0",
    };

    [Fact]
    public async Task RenamedThenSigusr1_LaterLinesGoToANewFileAtThePath_AndTheDaemonKeepsServing()
    {
        await using SampleTrackingOrigin origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        await using DaemonProcess daemon = DaemonProcess.Start(null, Environment(origin.EndPoint.ToString(), _log.Path));
        IPEndPoint http = IPEndPoint.Parse((await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30))).Groups["http"].Value);
        Assert.Contains($"access log: {_log.Path} (combined, query stripped)", daemon.StandardError, StringComparison.Ordinal);

        await GetAsync(http, "/q/before-rotation");
        await _log.WaitForLinesAsync(1);
        string rotated = _log.Path + ".1";
        File.Move(_log.Path, rotated);   // what logrotate does first
        await GetAsync(http, "/q/after-rename");   // still written to the renamed file: the daemon holds it open
        Assert.True(await Eventually.TrueAsync(() => AccessLogFile.LinesOf(rotated).Count == 2), "the renamed file did not get the second line");

        daemon.Signal(SIGUSR1);   // postrotate
        await daemon.WaitForLineAsync(ReopenedLine(), TimeSpan.FromSeconds(10));
        await GetAsync(http, "/q/after-reopen");

        IReadOnlyList<string> fresh = await _log.WaitForLinesAsync(1);
        Assert.Equal("GET /q/after-reopen HTTP/1.1", CombinedLine.Parse(Assert.Single(fresh)).Request);
        Assert.Equal(["GET /q/before-rotation HTTP/1.1", "GET /q/after-rename HTTP/1.1"],
            AccessLogFile.LinesOf(rotated).Select(l => CombinedLine.Parse(l).Request));
        Assert.False(daemon.HasExited, "SIGUSR1 must not terminate the daemon");
    }

    [Fact]
    public async Task StdoutNobodyReads_RequestsKeepCompletingFast_AndStopDoesNotHang()
    {
        await using SampleTrackingOrigin origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        var info = new ProcessStartInfo("dotnet")
        {
            // Standard output is a pipe this test never reads: once its 64 KiB are full, every write(2) to it blocks.
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "terminator.dll"));
        ToolProcess.UseTerminatorEnvironment(info, Environment(origin.EndPoint.ToString(), "stdout"));
        using Process daemon = Process.Start(info)!;
        var stderr = new System.Collections.Concurrent.ConcurrentQueue<string>();
        daemon.ErrorDataReceived += (_, e) => { if (e.Data is not null) stderr.Enqueue(e.Data); };
        daemon.BeginErrorReadLine();
        try
        {
            Assert.True(await Eventually.TrueAsync(() => stderr.Any(l => ReadyLine().IsMatch(l)), TimeSpan.FromSeconds(30)), string.Join('\n', stderr));
            IPEndPoint http = IPEndPoint.Parse(ReadyLine().Match(stderr.First(l => ReadyLine().IsMatch(l))).Groups["http"].Value);

            // ~1.1 KiB lines: the pipe is full after ~60 of them, and 1,500 requests write ~1.6 MiB.
            string userAgent = new('a', 1000);
            await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(http);
            TimeSpan slowest = TimeSpan.Zero;
            var all = Stopwatch.StartNew();
            for (int i = 0; i < 1500; i++)
            {
                long sent = Stopwatch.GetTimestamp();
                await client.SendAsync($"GET /q/{i}.gif HTTP/1.1\r\nHost: click.access.test\r\nUser-Agent: {userAgent}\r\n\r\n");
                Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
                TimeSpan took = Stopwatch.GetElapsedTime(sent);
                slowest = took > slowest ? took : slowest;
            }

            // 1,500 requests completed with the pipe full after ~60 lines: none waited for stdout. (Their latency is not
            // asserted: a timed assertion fails on a loaded host for reasons unrelated to the log.)
            _ = (slowest, all);
            await client.DisposeAsync();

            _ = kill(daemon.Id, 15);
            Assert.True(await Eventually.TrueAsync(() => daemon.HasExited, TimeSpan.FromSeconds(30)),
                $"the daemon did not exit after SIGTERM:\n{string.Join('\n', stderr)}");
            Assert.Equal(0, daemon.ExitCode);
            // HasExited turns true before the asynchronous stderr reader has delivered the last lines; this waits for
            // its end of file (stdout has no reader, so it is not waited for).
            using (var drained = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                await daemon.WaitForExitAsync(drained.Token);
            }

            Assert.Contains(stderr, l => l.Contains("access log: output blocked", StringComparison.Ordinal));
        }
        finally
        {
            if (!daemon.HasExited)
            {
                daemon.Kill(entireProcessTree: true);
                await daemon.WaitForExitAsync();
            }
        }
    }

    private static async Task GetAsync(IPEndPoint http, string path)
    {
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(http);
        await client.SendAsync($"GET {path} HTTP/1.1\r\nHost: click.access.test\r\nConnection: close\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [GeneratedRegex(@"ready: .*https (?<https>[^;]+); http (?<http>[^;]+);")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"access log reopened: ")]
    private static partial Regex ReopenedLine();
}
