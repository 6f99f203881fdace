using System.Collections.Concurrent;
using System.Text;
using Terminator.Diagnostics;

namespace Terminator.Tests.TestHelpers;

/// <summary>A log whose lines can be read while the code under test writes them.</summary>
internal sealed class LogLines : TextWriter
{
    private readonly ConcurrentQueue<string> _lines = new();

    public LogLines(LogSeverity minimum = LogSeverity.Debug) => Log = new TerminatorLog(minimum, this);

    public TerminatorLog Log { get; }

    public IReadOnlyList<string> Lines => [.. _lines];

    public override Encoding Encoding => Encoding.UTF8;

    public override void WriteLine(string? value) => _lines.Enqueue(value ?? string.Empty);
}
