using System.Net;
using Microsoft.Extensions.Logging;
using Terminator.Diagnostics;

namespace Terminator.Admin;

/// <summary>The admin API's log lines (event ids 1000-1099).</summary>
internal static partial class AdminLog
{
    private const int TokenRefusedId = 1002;

    /// <summary>A call with a wrong token: one line per peer address per rate-limit interval, so someone guessing
    /// tokens cannot flood the journal (the token itself is never logged).</summary>
    public static void TokenRefused(TerminatorLog log, AdminRequest request)
    {
        if (log.Admin.IsEnabled(LogLevel.Warning) && log.RateLimiter.TryAcquire(TokenRefusedId, request.Peer.GetHashCode(), out LogSuppression suppressed))
        {
            TokenRefused(log.Admin, request.Method, request.Path, request.Peer, suppressed);
        }
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "admin listening on http://{endPoint}: /metrics, /healthz, /readyz; /v1 {domainsApi}")]
    public static partial void Listening(ILogger logger, IPEndPoint endPoint, string domainsApi);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "admin API on http://{endPoint}/v1/: {domains} managed domains")]
    public static partial void ServingDomains(ILogger logger, IPEndPoint endPoint, int domains);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "{method} {path} from {peer} failed")]
    public static partial void RequestFailed(ILogger logger, string method, string path, IPAddress peer, Exception exception);

    [LoggerMessage(EventId = TokenRefusedId, EventName = "TokenRefused", Level = LogLevel.Warning,
        Message = "refused {method} {path} from {peer}: wrong token{suppressed}")]
    private static partial void TokenRefused(ILogger logger, string method, string path, IPAddress peer, LogSuppression suppressed);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "{name} is now managed ({keyType}), asked by {peer}")]
    public static partial void DomainAdded(ILogger logger, string name, string keyType, IPAddress peer);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "{name} now gets {keyType} certificates, asked by {peer}")]
    public static partial void DomainKeyTypesChanged(ILogger logger, string name, string keyType, IPAddress peer);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "renewal of {name} requested by {peer}")]
    public static partial void RenewalRequested(ILogger logger, string name, IPAddress peer);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "{name} is managed, but waking the scheduler failed: {reason}")]
    public static partial void SchedulerWakeFailed(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "{name} is no longer managed, but purging its certificates failed: {reason}")]
    public static partial void PurgeFailed(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "{name} is no longer managed, asked by {peer}")]
    public static partial void DomainRemoved(ILogger logger, string name, IPAddress peer);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "{name} is no longer managed; its certificates were purged, asked by {peer}")]
    public static partial void DomainRemovedAndPurged(ILogger logger, string name, IPAddress peer);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "TERMINATOR_ADMIN_TOKEN_FILE: {problem}")]
    public static partial void TokenFilePermissions(ILogger logger, string problem);
}
