using Microsoft.Extensions.Logging;
using Terminator.Diagnostics;
using Terminator.Upstream;

namespace Terminator.Proxy;

/// <summary>The HTTP/1.1 proxy's log lines (event ids 500-599).</summary>
internal static partial class ProxyLog
{
    private const int UpstreamUnreachableId = 500;

    /// <summary>A request could not get an upstream connection: during an outage every request fails this way, so one
    /// line per upstream address per rate-limit interval (nothing is built when the line is held back).</summary>
    public static void UpstreamUnreachable(TerminatorLog log, UpstreamConnectException failure)
    {
        int cause = failure.EndPoint?.GetHashCode() ?? (int)failure.SocketError;
        if (log.Proxy.IsEnabled(LogLevel.Warning) && log.RateLimiter.TryAcquire(UpstreamUnreachableId, cause, out LogSuppression suppressed))
        {
            UpstreamUnreachable(log.Proxy, failure.Message, suppressed);
        }
    }

    [LoggerMessage(EventId = UpstreamUnreachableId, EventName = "UpstreamUnreachable", Level = LogLevel.Warning,
        Message = "upstream unreachable: {reason}{suppressed}")]
    private static partial void UpstreamUnreachable(ILogger logger, string reason, LogSuppression suppressed);
}
