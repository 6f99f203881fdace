namespace Terminator.Diagnostics;

/// <summary>How <see cref="LogSink"/> writes a line (<c>TERMINATOR_LOG_FORMAT</c>).</summary>
internal enum LogFormat
{
    /// <summary><c>2026-12-03T23:30:01.123Z info  [area] message</c>: one physical line per event, for people and grep.</summary>
    Text,

    /// <summary>One JSON object per line with the event's structured fields, for log shippers.</summary>
    Json,
}
