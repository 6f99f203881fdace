using Microsoft.Extensions.Logging;

namespace Terminator.AccessLog;

/// <summary>What the access log's writer says about itself in the daemon's log (event ids 1300-1399; the area's
/// <c>*Log</c> class by another name, since "AccessLogLog" would say nothing).</summary>
internal static partial class AccessLogEvents
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Error, Message = "access log writer stopped")]
    public static partial void WriterStopped(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "access log reopened: {path}")]
    public static partial void Reopened(ILogger logger, string path);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "access log reopen failed, still writing to the previous file: {reason}")]
    public static partial void ReopenFailed(ILogger logger, string reason);

    /// <summary>At most one every 10 s (the writer's own limit): a full disk must not become a log flood of its own.</summary>
    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "access log write failed, {lines} lines lost: {reason}")]
    public static partial void WriteFailed(ILogger logger, int lines, string reason);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "access log: output blocked; {queued} queued lines not written")]
    public static partial void OutputBlocked(ILogger logger, int queued);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Information, Message = "access log: {description}")]
    public static partial void Opened(ILogger logger, string description);
}
