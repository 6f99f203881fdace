using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Terminator.Diagnostics;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// A log whose lines can be read while the code under test writes them: the real <see cref="TerminatorLog"/> and
/// sink, writing to this capturing writer. Reading <see cref="Lines"/> first waits for the lines already queued.
/// </summary>
internal sealed partial class LogLines : TextWriter
{
    private readonly ConcurrentQueue<string> _lines = new();

    public LogLines(LogLevel minimum = LogLevel.Debug, LogFormat format = LogFormat.Text, TimeSpan? rateLimitInterval = null) =>
        Log = new TerminatorLog(minimum, this, format, rateLimitInterval);

    public TerminatorLog Log { get; }

    /// <summary>Every line written so far, once the lines logged before the call are written.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            Assert.True(Log.Flush(TimeSpan.FromSeconds(10)), "the log sink did not write its queue within 10 s");
            return [.. _lines];
        }
    }

    /// <summary>The text lines taken apart (timestamp, level, area, message); throws on a line of another shape.</summary>
    public IReadOnlyList<LogEntry> Entries => [.. Lines.Select(LogEntry.Parse)];

    public override Encoding Encoding => Encoding.UTF8;

    public override void WriteLine(string? value) => _lines.Enqueue(value ?? string.Empty);

    /// <summary>One text-format line: <c>2026-12-03T23:30:01.123Z info  [area] message</c>.</summary>
    internal sealed record LogEntry(DateTime Timestamp, string Level, string Area, string Message)
    {
        public static LogEntry Parse(string line)
        {
            Match m = TextLine().Match(line);
            Assert.True(m.Success, $"not a text log line: {line}");
            var timestamp = DateTime.ParseExact(m.Groups["ts"].Value, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
            return new LogEntry(timestamp, m.Groups["level"].Value, m.Groups["area"].Value, m.Groups["message"].Value);
        }
    }

    [GeneratedRegex(@"^(?<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (?<level>trace|debug|info|warn|error|crit) +\[(?<area>[a-z.]+)\] (?<message>.*)$")]
    internal static partial Regex TextLine();
}
