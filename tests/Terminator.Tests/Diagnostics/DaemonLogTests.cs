using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Diagnostics;

/// <summary>The daemon process's log on stderr: JSON lines a shipper can parse, and what SIGHUP leaves.</summary>
public sealed partial class DaemonLogTests : IDisposable
{
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Daemon Log CA");
    private readonly TempDirectory _directory = new("daemon-log");

    [Fact]
    public async Task JsonFormat_EveryLineParses_WithItsFields()
    {
        _authority.Issue(["click.json-log.test"]).WriteFlat(_directory.FullName, "click");
        await File.WriteAllTextAsync(Path.Combine(_directory.FullName, "broken.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n");
        await using DaemonProcess daemon = DaemonProcess.Start(null, Environment("json"));

        await daemon.WaitForLineAsync(JsonEvent("Ready"), TimeSpan.FromSeconds(30));
        daemon.Signal(DaemonProcess.SIGHUP);
        await daemon.WaitForLineAsync(JsonEvent("Reloaded"), TimeSpan.FromSeconds(15));
        daemon.Signal(DaemonProcess.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(15)));

        string[] lines = daemon.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var events = new List<JsonElement>();
        foreach (string line in lines)
        {
            using JsonDocument document = JsonDocument.Parse(line); // throws on any line that is not one JSON object
            JsonElement e = document.RootElement.Clone();
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", e.GetProperty("timestamp").GetString());
            Assert.Contains(e.GetProperty("level").GetString(), new[] { "debug", "info", "warn", "error" });
            Assert.False(string.IsNullOrEmpty(e.GetProperty("area").GetString()));
            Assert.True(e.GetProperty("eventId").GetInt32() > 0);
            Assert.False(string.IsNullOrEmpty(e.GetProperty("event").GetString()));
            Assert.False(string.IsNullOrEmpty(e.GetProperty("message").GetString()));
            events.Add(e);
        }

        JsonElement ready = Assert.Single(events, e => e.GetProperty("event").GetString() == "Ready");
        Assert.Equal(("daemon", 100), (ready.GetProperty("area").GetString(), ready.GetProperty("eventId").GetInt32()));
        Assert.Equal(1, ready.GetProperty("names").GetInt32());
        Assert.Equal(1, ready.GetProperty("certificates").GetInt32());
        Assert.StartsWith("127.0.0.1:", ready.GetProperty("https").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("ready: 1 names from 1 certificates; https 127.0.0.1:", ready.GetProperty("message").GetString(), StringComparison.Ordinal);

        // On the runtime the workarounds were verified on, the start-up probe finds every one in effect: one info line.
        JsonElement workarounds = Assert.Single(events, e => e.GetProperty("event").GetString() == "RuntimeWorkaroundsActive");
        Assert.Equal(("info", "tls", 402), (workarounds.GetProperty("level").GetString(), workarounds.GetProperty("area").GetString(), workarounds.GetProperty("eventId").GetInt32()));
        Assert.DoesNotContain(events, e => e.GetProperty("event").GetString() == "RuntimeWorkaroundOff");

        JsonElement skipped = events.First(e => e.GetProperty("event").GetString() == "CertificateSkipped");
        Assert.Equal(("warn", "certificates"), (skipped.GetProperty("level").GetString(), skipped.GetProperty("area").GetString()));
        Assert.Equal(Path.Combine(_directory.FullName, "broken.pem"), skipped.GetProperty("path").GetString());

        JsonElement reloaded = Assert.Single(events, e => e.GetProperty("event").GetString() == "Reloaded");
        Assert.Equal(1, reloaded.GetProperty("failed").GetInt32());
        Assert.Equal(JsonValueKind.Number, reloaded.GetProperty("elapsedMs").ValueKind);
        Assert.Contains(events, e => e.GetProperty("event").GetString() == "Stopped");
        Assert.Empty(daemon.StandardOutput);
    }

    [Fact]
    public async Task Sighup_LogsOneSummaryLine()
    {
        _authority.Issue(["click.hup-log.test"]).WriteFlat(_directory.FullName, "click");
        await using DaemonProcess daemon = DaemonProcess.Start(null, Environment("text"));
        await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30));
        // Start-up ends with the contexts built behind the traffic (TERMINATOR_CERT_PREWARM): its line is not the signal's.
        await daemon.WaitForLineAsync(PrewarmedLine(), TimeSpan.FromSeconds(30));
        int before = Lines(daemon).Length;

        daemon.Signal(DaemonProcess.SIGHUP);
        await daemon.WaitForLineAsync(SighupLine(), TimeSpan.FromSeconds(15));

        // Nothing else is logged for it: not a line per source, nor the watcher's own summary (nothing changed, and
        // nothing else runs on a quiet daemon; the window covers the signal's rescan finishing on a loaded machine).
        Assert.True(await Consistently.TrueAsync(() => Lines(daemon).Length == before + 1, TimeSpan.FromSeconds(1)),
            string.Join('\n', Lines(daemon).Skip(before)));
        string summary = Lines(daemon)[^1];
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info  \[daemon\] SIGHUP: rescan done in \d+ ms: 0 added, 0 replaced, 0 removed, 0 failed; 1 certificates, 1 names$", summary);
    }

    private Dictionary<string, string> Environment(string format) => new()
    {
        ["TERMINATOR_CERT_DIR"] = _directory.FullName,
        ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
        ["TERMINATOR_HTTP_LISTEN"] = "off",
        ["TERMINATOR_UPSTREAM"] = $"http://{IPAddress.Loopback}:9",
        ["TERMINATOR_LOG_FORMAT"] = format,
    };

    private static string[] Lines(DaemonProcess daemon) => daemon.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static Regex JsonEvent(string name) => new($"\"event\":\"{name}\"");

    [GeneratedRegex(@"\] ready: ")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"\] SIGHUP: rescan done")]
    private static partial Regex SighupLine();

    [GeneratedRegex(@"\] prewarmed 1 certificate contexts ")]
    private static partial Regex PrewarmedLine();

    public void Dispose()
    {
        _authority.Dispose();
        _directory.Dispose();
    }
}
