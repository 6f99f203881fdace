namespace Terminator.Diagnostics;

/// <summary>Severity of a log line; lines below the configured level are dropped before any formatting.</summary>
internal enum LogSeverity { Debug = 0, Info = 1, Warn = 2, Error = 3 }

/// <summary>
/// Minimal line logger for a daemon whose stderr goes to the journal: one line per event, "level message".
/// Logging is never on a per-request success path; callers guard expensive messages with <see cref="IsEnabled"/>.
/// Private keys and key material must never be passed here.
/// </summary>
internal sealed class TerminatorLog
{
    private readonly TextWriter _writer;
    private readonly Lock _gate = new();

    public TerminatorLog(LogSeverity minimum, TextWriter? writer = null)
    {
        Minimum = minimum;
        _writer = writer ?? Console.Error;
    }

    public static TerminatorLog Silent { get; } = new(LogSeverity.Error + 1, TextWriter.Null);

    public LogSeverity Minimum { get; }

    public bool IsEnabled(LogSeverity severity) => severity >= Minimum;

    public void Debug(string message) => Write(LogSeverity.Debug, message);
    public void Info(string message) => Write(LogSeverity.Info, message);
    public void Warn(string message) => Write(LogSeverity.Warn, message);
    public void Error(string message) => Write(LogSeverity.Error, message);

    public static LogSeverity ParseSeverity(string value) => value.ToUpperInvariant() switch
    {
        "DEBUG" => LogSeverity.Debug,
        "WARN" or "WARNING" => LogSeverity.Warn,
        "ERROR" => LogSeverity.Error,
        _ => LogSeverity.Info,
    };

    private void Write(LogSeverity severity, string message)
    {
        if (!IsEnabled(severity))
        {
            return;
        }

        string level = severity switch
        {
            LogSeverity.Debug => "debug",
            LogSeverity.Info => "info",
            LogSeverity.Warn => "warn",
            _ => "error",
        };

        lock (_gate)
        {
            _writer.WriteLine($"{level} {message}");
            _writer.Flush();
        }
    }
}
