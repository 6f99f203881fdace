using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Terminator.Admin;
using Terminator.Certificates;
using Terminator.Diagnostics;
using Terminator.Tests.TestHelpers;
using Xunit.Abstractions;

namespace Terminator.Tests.Diagnostics;

/// <summary>An upstream outage under load used to write one warning per request, synchronously, under a global lock.</summary>
public sealed partial class UpstreamOutageLogTests(ITestOutputHelper output)
{
    private const int Requests = 3000;
    private const int Concurrency = 16;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task UpstreamRefusing_ThousandsOfRequests_BoundedWarningLines_SuppressedCountMatches()
    {
        var log = new LogLines(LogLevel.Information, rateLimitInterval: Interval);
        await using var terminator = TestTerminator.Start(RefusingEndPoint(), new CertificateMap(), log: log.Log);
        int badGateway = 0;
        int next = 0;

        long started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= Requests)
            {
                // 502 closes the connection, so each request is a new one (as each new visitor's would be).
                await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);
                await client.SendAsync("GET /q/open HTTP/1.1\r\nHost: click.outage.test\r\n\r\n");
                if ((await client.ReadResponseAsync())?.Status == 502)
                {
                    Interlocked.Increment(ref badGateway);
                }
            }
        })));
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);

        Assert.Equal(Requests, badGateway);
        Assert.Equal(Requests, terminator.Server.Metrics.UpstreamErrors);
        IReadOnlyList<LogLines.LogEntry> warnings = log.Entries;
        Assert.All(warnings, w => Assert.Equal(("warn", "proxy"), (w.Level, w.Area)));
        Assert.All(warnings, w => Assert.StartsWith("upstream unreachable: Connect to upstream 127.0.0.1:", w.Message, StringComparison.Ordinal));

        // One cause (one upstream address): at most one line per interval, where there used to be one per request.
        int bound = (int)(elapsed / Interval) + 1;
        Assert.InRange(warnings.Count, 1, bound);
        Assert.Equal(Requests, warnings.Count + log.Log.SuppressedLines);

        // A line after the first says what was held back before it, if anything was (an interval in which one request
        // failed alone, as when the test host pauses for half a second, holds nothing back); what the last interval held
        // back is still pending.
        long reported = 0;
        foreach (LogLines.LogEntry warning in warnings.Skip(1))
        {
            Match held = SuppressedNote().Match(warning.Message);
            if (held.Success)
            {
                long count = long.Parse(held.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(count > 0, warning.Message);
                reported += count;
            }
        }

        Assert.True(warnings.Count == 1 || reported > 0, "no line after the first said what was held back");

        Assert.DoesNotMatch(SuppressedNote(), warnings[0].Message);
        Assert.InRange(reported, 0, log.Log.SuppressedLines);

        // And what an operator's dashboard shows: the same count on /metrics.
        await using AdminServer admin = AdminServer.Start(
            new AdminServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), Token = null, DomainsApi = false },
            TerminatorLog.Silent, terminator.Server.Metrics, readiness: null);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        PrometheusExposition metrics = PrometheusExposition.Parse(await http.GetStringAsync(new Uri($"http://{admin.EndPoint}/metrics")));
        Assert.Equal(log.Log.SuppressedLines, metrics.Value("terminator_log_lines_suppressed_total"));
        output.WriteLine($"{Requests} requests in {elapsed.TotalSeconds:0.00} s: {warnings.Count} warning lines (bound {bound}), " +
            $"{log.Log.SuppressedLines} suppressed ({reported} of them reported on later lines), {log.Log.DroppedLines} dropped");
    }

    /// <summary>A loopback port nothing listens on: connects are refused at once.</summary>
    private static IPEndPoint RefusingEndPoint()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }

    [GeneratedRegex(@" \(suppressed (?<count>\d+) similar since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\)$")]
    private static partial Regex SuppressedNote();
}
