using Microsoft.Extensions.Logging;
using Terminator.Diagnostics;

namespace Terminator.Tls;

/// <summary>The TLS step's log lines (event ids 400-499).</summary>
internal static partial class TlsLog
{
    private const int CertificateLoadFailedId = 400;

    /// <summary>A known name whose certificate no longer loads (file removed or tampered with since it was indexed):
    /// every handshake for it fails, so one line per certificate per rate-limit interval. Source and reason only,
    /// never key material.</summary>
    public static void CertificateLoadFailed(TerminatorLog log, string source, string reason)
    {
        if (log.Tls.IsEnabled(LogLevel.Warning) && log.RateLimiter.TryAcquire(CertificateLoadFailedId, source.GetHashCode(StringComparison.Ordinal), out LogSuppression suppressed))
        {
            CertificateLoadFailed(log.Tls, source, reason, suppressed);
        }
    }

    [LoggerMessage(EventId = CertificateLoadFailedId, EventName = "CertificateLoadFailed", Level = LogLevel.Warning,
        Message = "certificate for a handshake could not be loaded: {source}: {reason}{suppressed}")]
    private static partial void CertificateLoadFailed(ILogger logger, string source, string reason, LogSuppression suppressed);

    [LoggerMessage(EventId = 401, Level = LogLevel.Debug, Message = "TLS handshake failed: {reason}")]
    public static partial void HandshakeFailed(ILogger logger, string reason);
}
