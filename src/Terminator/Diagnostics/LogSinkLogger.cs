using Microsoft.Extensions.Logging;

namespace Terminator.Diagnostics;

/// <summary>One category's logger over a <see cref="LogSink"/>: level check, then one formatted line into the sink's
/// queue. No scopes (nothing in Terminator uses them).</summary>
internal sealed class LogSinkLogger : ILogger
{
    private readonly LogSink _sink;
    private readonly string _area;

    public LogSinkLogger(LogSink sink, string category)
    {
        _sink = sink;
        _area = TerminatorLog.AreaOf(category);
    }

    public bool IsEnabled(LogLevel logLevel) => logLevel >= _sink.Minimum && logLevel != LogLevel.None;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        ArgumentNullException.ThrowIfNull(formatter);
        string message = formatter(state, exception);
        // The state's fields are read only for JSON (boxing a generated struct is fine here: the line is being written).
        IReadOnlyList<KeyValuePair<string, object?>>? fields = _sink.Format == LogFormat.Json ? state as IReadOnlyList<KeyValuePair<string, object?>> : null;
        _sink.Write(LogLineFormatter.Format(_sink.Format, DateTime.UtcNow, logLevel, _area, eventId, message, fields, exception));
    }
}
