using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Terminator.Acme;
using Terminator.Certificates;
using Terminator.Diagnostics;
using Terminator.Domains;
using Terminator.Tests.TestHelpers;
using Terminator.Tls;

namespace Terminator.Tests.Diagnostics;

/// <summary>The daemon's log output: both formats, and a terminal that stops reading.</summary>
public sealed class LogSinkTests
{
    [Fact]
    public void TextLine_StartsWithIso8601UtcTimestamp_ThenLevelAreaAndMessage()
    {
        var log = new LogLines(LogLevel.Information);
        DateTime before = DateTime.UtcNow;

        CertificateLog.CertificateSkipped(log.Log.Certificates, "/etc/terminator/certs/broken.pem", "no private key");

        string line = Assert.Single(log.Lines);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn  \[certificates\] certificate skipped: /etc/terminator/certs/broken\.pem: no private key$", line);
        LogLines.LogEntry entry = LogLines.LogEntry.Parse(line);
        Assert.InRange(entry.Timestamp, before.AddMilliseconds(-1), DateTime.UtcNow.AddSeconds(1)); // UTC, not local time
        Assert.Equal(DateTimeKind.Utc, entry.Timestamp.Kind);
    }

    [Fact]
    public void TextLine_LevelsArePaddedToOneColumn()
    {
        var log = new LogLines(LogLevel.Debug);

        TlsLog.HandshakeFailed(log.Log.Tls, "no shared cipher");
        DomainsLog.Loaded(log.Log.Domains, 3, 12.3);
        AcmeLog.UnexpectedError(log.Log.Acme, "click.example", new InvalidOperationException("boom"));

        Assert.Equal(["debug [tls] ", "info  [domains] ", "error [acme] "], log.Lines.Select(l => l[25..(l.IndexOf(']', StringComparison.Ordinal) + 2)]));
    }

    [Fact]
    public void TextLine_ControlCharactersAndStackTraces_StayOnOnePhysicalLine()
    {
        var log = new LogLines(LogLevel.Information);
        Exception thrown;
        try
        {
            throw new InvalidOperationException("first line\nsecond line");
        }
        catch (InvalidOperationException ex)
        {
            thrown = ex;
        }

        // A client-chosen value (a request path, say) must not be able to start a forged line.
        CertificateLog.CertificateSkipped(log.Log.Certificates, "/tmp/evil\n2026-01-01T00:00:00.000Z error [daemon] forged", "bad\r\x1b[31m");
        AcmeLog.UnexpectedError(log.Log.Acme, "click.example", thrown);

        Assert.Equal(2, log.Lines.Count);
        Assert.Contains(@"/tmp/evil\n2026-01-01T00:00:00.000Z error [daemon] forged: bad\r\u001b[31m", log.Lines[0], StringComparison.Ordinal);
        Assert.Contains(@"click.example: unexpected error -- System.InvalidOperationException: first line\nsecond line\n   at ", log.Lines[1], StringComparison.Ordinal);
        Assert.All(log.Lines, l => Assert.DoesNotContain(l, c => c < ' '));
    }

    [Fact]
    public void JsonLine_ParsesWithEveryField()
    {
        var log = new LogLines(LogLevel.Information, LogFormat.Json);
        var notAfter = new DateTimeOffset(2027, 1, 2, 3, 4, 5, TimeSpan.Zero);
        DateTime before = DateTime.UtcNow;

        CertificateLog.CertificateExpiring(log.Log.Certificates, "expires in 3.0 days", notAfter, ["a.multi.test", "b.multi.test"], "/store/x.tcert");
        AcmeLog.UnexpectedError(log.Log.Acme, "click.example", new InvalidOperationException("boom"));
        DomainsLog.Loaded(log.Log.Domains, 42, 12.5);

        IReadOnlyList<string> lines = log.Lines;
        Assert.Equal(3, lines.Count);
        using (JsonDocument expiring = JsonDocument.Parse(lines[0]))
        {
            JsonElement e = expiring.RootElement;
            var timestamp = DateTime.Parse(e.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", e.GetProperty("timestamp").GetString());
            Assert.InRange(timestamp, before.AddMilliseconds(-1), DateTime.UtcNow.AddSeconds(1));
            Assert.Equal("warn", e.GetProperty("level").GetString());
            Assert.Equal("certificates", e.GetProperty("area").GetString());
            Assert.Equal(609, e.GetProperty("eventId").GetInt32());
            Assert.Equal("CertificateExpiring", e.GetProperty("event").GetString());
            Assert.Equal("certificate expires in 3.0 days (2027-01-02 03:04Z): a.multi.test, b.multi.test from /store/x.tcert", e.GetProperty("message").GetString());
            Assert.Equal("expires in 3.0 days", e.GetProperty("when").GetString());
            Assert.Equal("2027-01-02T03:04:05.000Z", e.GetProperty("notAfter").GetString());
            Assert.Equal(["a.multi.test", "b.multi.test"], e.GetProperty("names").EnumerateArray().Select(n => n.GetString()));
            Assert.Equal("/store/x.tcert", e.GetProperty("source").GetString());
            Assert.False(e.TryGetProperty("{OriginalFormat}", out _));
            Assert.False(e.TryGetProperty("exception", out _));
        }

        using (JsonDocument failed = JsonDocument.Parse(lines[1]))
        {
            JsonElement e = failed.RootElement;
            Assert.Equal("error", e.GetProperty("level").GetString());
            Assert.Equal("click.example", e.GetProperty("name").GetString());
            Assert.StartsWith("System.InvalidOperationException: boom", e.GetProperty("exception").GetString(), StringComparison.Ordinal);
        }

        using (JsonDocument loaded = JsonDocument.Parse(lines[2]))
        {
            JsonElement e = loaded.RootElement;
            Assert.Equal(JsonValueKind.Number, e.GetProperty("domains").ValueKind);
            Assert.Equal(42, e.GetProperty("domains").GetInt32());
            Assert.Equal(12.5, e.GetProperty("elapsedMs").GetDouble());
            Assert.Equal("42 managed domains loaded in 13 ms", e.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task JsonLine_RateLimitedEvent_CarriesTheSuppressedCountAsFields()
    {
        var log = new LogLines(LogLevel.Information, LogFormat.Json, rateLimitInterval: TimeSpan.FromMilliseconds(200));

        TlsLog.CertificateLoadFailed(log.Log, "/store/gone.tcert", "file not found");
        TlsLog.CertificateLoadFailed(log.Log, "/store/gone.tcert", "file not found");
        TlsLog.CertificateLoadFailed(log.Log, "/store/gone.tcert", "file not found");
        // Repeats until the interval has run out and one more line is let through.
        Assert.True(await Eventually.TrueAsync(() =>
        {
            TlsLog.CertificateLoadFailed(log.Log, "/store/gone.tcert", "file not found");
            return log.Lines.Count == 2;
        }));

        using JsonDocument first = JsonDocument.Parse(log.Lines[0]);
        Assert.False(first.RootElement.TryGetProperty("suppressed", out _));
        using JsonDocument second = JsonDocument.Parse(log.Lines[1]);
        Assert.True(second.RootElement.GetProperty("suppressed").GetInt64() >= 2);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", second.RootElement.GetProperty("suppressedSince").GetString());
        Assert.Matches(@"\(suppressed \d+ similar since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\)$", second.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public void OutputThatNeverCompletesAWrite_NeverBlocksTheCaller_AndCountsDrops()
    {
        using var output = new StuckStream();
        var writer = new StreamWriter(output) { AutoFlush = false };
        var log = new TerminatorLog(LogLevel.Information, writer, LogFormat.Text, queueCapacity: 100);
        const int Lines = 20_000;
        try
        {
            long started = Stopwatch.GetTimestamp();
            for (int i = 0; i < Lines; i++)
            {
                DomainsLog.Loaded(log.Domains, i, 1.0);
            }

            TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
            Assert.True(output.WriteStarted.Wait(TimeSpan.FromSeconds(10)), "the writer never reached the output");
            // The writer holds at most one batch (<= capacity) and the queue another: everything else was dropped.
            Assert.InRange(log.DroppedLines, Lines - 2 * 100, Lines);
            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"logging {Lines} lines into a stuck output took {elapsed}");
            Assert.False(log.Flush(TimeSpan.FromMilliseconds(100))); // the stuck lines really are not written
        }
        finally
        {
            output.Release();
        }

        // Once the output moves again, the queue drains and one line says how many were lost.
        Assert.True(log.Flush(TimeSpan.FromSeconds(10)));
        log.Dispose();
        string text = output.Text;
        Assert.Matches(@"warn  \[log\] \d+ log lines dropped: the log output did not keep up", text);
    }

    [Fact]
    public async Task OutputThatNeverCompletesAWrite_TheDropsAreOnTheServersMetrics()
    {
        using var output = new StuckStream();
        var log = new TerminatorLog(LogLevel.Information, new StreamWriter(output), LogFormat.Text, queueCapacity: 10);
        try
        {
            await using (var terminator = TestTerminator.Start(new IPEndPoint(IPAddress.Loopback, 9), new CertificateMap(), log: log))
            {
                for (int i = 0; i < 1000; i++)
                {
                    DomainsLog.Loaded(log.Domains, i, 1.0);
                }

                Assert.True(output.WriteStarted.Wait(TimeSpan.FromSeconds(10)), "the writer never reached the output");
                PrometheusExposition parsed = PrometheusExposition.Parse(Encoding.UTF8.GetString(PrometheusTextFormat.Write(terminator.Server.Metrics.Collect())));
                // An operator sees the lines the journal never got, not only the note written once the output moves.
                Assert.InRange(parsed.Value("terminator_log_lines_dropped_total"), 1000 - 2 * 10, log.DroppedLines);
            }
        }
        finally
        {
            output.Release();
            log.Dispose();
        }
    }

    [Fact]
    public void Dispose_WritesWhatIsQueued()
    {
        var output = new StringWriter();
        var log = new TerminatorLog(LogLevel.Information, TextWriter.Synchronized(output));
        for (int i = 0; i < 500; i++)
        {
            DomainsLog.Loaded(log.Domains, i, 1.0);
        }

        log.Dispose();

        Assert.Equal(500, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(0, log.DroppedLines);
    }

    [Fact]
    public void BelowTheMinimumLevel_NothingIsFormattedOrWritten()
    {
        var log = new LogLines(LogLevel.Warning);

        DomainsLog.Loaded(log.Log.Domains, 1, 1.0);
        TlsLog.HandshakeFailed(log.Log.Tls, "x");

        Assert.Empty(log.Lines);
        Assert.False(log.Log.Domains.IsEnabled(LogLevel.Information));
    }

    /// <summary>A stream whose writes do not return until <see cref="Release"/> (bounded, so a failing test cannot hang).</summary>
    private sealed class StuckStream : Stream
    {
        private readonly ManualResetEventSlim _released = new();
        private readonly MemoryStream _written = new();
        private readonly Lock _gate = new();

        public ManualResetEventSlim WriteStarted { get; } = new();

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return System.Text.Encoding.UTF8.GetString(_written.ToArray());
                }
            }
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Release() => _released.Set();

        public override void Write(byte[] buffer, int offset, int count)
        {
            WriteStarted.Set();
            _released.Wait(TimeSpan.FromSeconds(30));
            lock (_gate)
            {
                _written.Write(buffer, offset, count);
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _released.Set();
            base.Dispose(disposing);
        }
    }
}
