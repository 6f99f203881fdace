using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Terminator.Diagnostics;

namespace Terminator.Listener;

/// <summary>The listener's log lines (event ids 300-399).</summary>
internal static partial class ListenerLog
{
    private const int AcceptFailedId = 300;
    private const int ConnectionFailedId = 301;

    /// <summary>accept(2) failed (EMFILE and friends): the loop retries every 50 ms, so one line per listener and error
    /// per rate-limit interval.</summary>
    public static void AcceptFailed(TerminatorLog log, EndPoint listener, SocketError error)
    {
        if (log.Listener.IsEnabled(LogLevel.Warning) && log.RateLimiter.TryAcquire(AcceptFailedId, HashCode.Combine(listener, error), out LogSuppression suppressed))
        {
            AcceptFailed(log.Listener, listener, error, suppressed);
        }
    }

    /// <summary>A connection step threw (a bug): one line per exception type per rate-limit interval, with the stack.</summary>
    public static void ConnectionFailed(TerminatorLog log, IPAddress client, Exception exception)
    {
        if (log.Listener.IsEnabled(LogLevel.Error) && log.RateLimiter.TryAcquire(ConnectionFailedId, exception.GetType().GetHashCode(), out LogSuppression suppressed))
        {
            ConnectionFailed(log.Listener, client, suppressed, exception);
        }
    }

    [LoggerMessage(EventId = AcceptFailedId, EventName = "AcceptFailed", Level = LogLevel.Warning,
        Message = "accept on {listener} failed: {socketError}{suppressed}")]
    private static partial void AcceptFailed(ILogger logger, EndPoint listener, SocketError socketError, LogSuppression suppressed);

    [LoggerMessage(EventId = ConnectionFailedId, EventName = "ConnectionFailed", Level = LogLevel.Error,
        Message = "connection from {client} ended with an unexpected error{suppressed}")]
    private static partial void ConnectionFailed(ILogger logger, IPAddress client, LogSuppression suppressed, Exception exception);
}
