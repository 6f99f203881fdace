using Microsoft.Extensions.Logging;
using Terminator.Diagnostics;

namespace Terminator.Certificates;

/// <summary>Log lines about certificate folders, the map and expiry (event ids 600-699).</summary>
internal static partial class CertificateLog
{
    private const int WatcherFailedId = 600;
    private const int RescanFailedId = 601;

    /// <summary>The file-system watcher failed (inotify queue overflow, say): one line per folder per interval.</summary>
    public static void WatcherFailed(TerminatorLog log, string directory, string reason)
    {
        if (log.Certificates.IsEnabled(LogLevel.Warning) && log.RateLimiter.TryAcquire(WatcherFailedId, directory.GetHashCode(StringComparison.Ordinal), out LogSuppression suppressed))
        {
            WatcherFailed(log.Certificates, directory, reason, suppressed);
        }
    }

    /// <summary>A whole rescan failed (the folder unreadable): it is retried every 30 s, so one line per folder per interval.</summary>
    public static void RescanFailed(TerminatorLog log, string directory, string reason)
    {
        if (log.Certificates.IsEnabled(LogLevel.Warning) && log.RateLimiter.TryAcquire(RescanFailedId, directory.GetHashCode(StringComparison.Ordinal), out LogSuppression suppressed))
        {
            RescanFailed(log.Certificates, directory, reason, suppressed);
        }
    }

    [LoggerMessage(EventId = WatcherFailedId, EventName = "WatcherFailed", Level = LogLevel.Warning,
        Message = "certificate watcher on {directory}: {reason}; rescanning{suppressed}")]
    private static partial void WatcherFailed(ILogger logger, string directory, string reason, LogSuppression suppressed);

    [LoggerMessage(EventId = RescanFailedId, EventName = "RescanFailed", Level = LogLevel.Warning,
        Message = "certificate rescan of {directory} failed: {reason}{suppressed}")]
    private static partial void RescanFailed(ILogger logger, string directory, string reason, LogSuppression suppressed);

    [LoggerMessage(EventId = 602, Level = LogLevel.Warning,
        Message = "certificate: {path}: outside its validity period ({notBefore:u} .. {notAfter:u}); loaded anyway")]
    public static partial void LoadedOutsideValidity(ILogger logger, string path, DateTimeOffset notBefore, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 603, Level = LogLevel.Warning, Message = "certificate {path}: {problem}")]
    public static partial void OcspStaplingUnavailable(ILogger logger, string path, string problem);

    [LoggerMessage(EventId = 604, Level = LogLevel.Warning, Message = "certificate removed: {path}: {reason}; no longer served")]
    public static partial void CertificateRemoved(ILogger logger, string path, string reason);

    /// <summary>Logged once per file version and reason (the watcher remembers what it reported), not on every rescan.</summary>
    [LoggerMessage(EventId = 605, Level = LogLevel.Warning, Message = "certificate skipped: {path}: {reason}")]
    public static partial void CertificateSkipped(ILogger logger, string path, string reason);

    /// <summary>The one summary line of a rescan that changed something.</summary>
    [LoggerMessage(EventId = 606, Level = LogLevel.Information,
        Message = "certificates from {directory}: {added} added, {replaced} replaced, {removed} removed, {failed} failed in {elapsedMs} ms; {names} names")]
    public static partial void RescanSummary(ILogger logger, string directory, int added, int replaced, int removed, int failed, long elapsedMs, int names);

    [LoggerMessage(EventId = 607, Level = LogLevel.Warning,
        Message = "certificate served outside its validity period ({validity}) for {name}: {source} {keyAlgorithm}; nothing valid for this name and client (warned once per certificate)")]
    public static partial void ServedOutsideValidity(ILogger logger, string validity, string name, string source, string keyAlgorithm);

    [LoggerMessage(EventId = 608, Level = LogLevel.Warning, Message = "{count} served certificate(s) expire soon; renewal is overdue for them")]
    public static partial void ExpiringSoon(ILogger logger, int count);

    [LoggerMessage(EventId = 609, Level = LogLevel.Warning, Message = "certificate {when} ({notAfter:yyyy-MM-dd HH:mm}Z): {names} from {source}")]
    public static partial void CertificateExpiring(ILogger logger, string when, DateTimeOffset notAfter, IReadOnlyList<string> names, string source);

    [LoggerMessage(EventId = 610, Level = LogLevel.Information,
        Message = "prewarmed {built} certificate contexts in {seconds:0.0} s ({cpuMicroseconds:0} µs of CPU each, process-wide); {failed} failed to load and wait for their first handshake")]
    public static partial void Prewarmed(ILogger logger, int built, double seconds, double cpuMicroseconds, int failed);

    [LoggerMessage(EventId = 611, Level = LogLevel.Information,
        Message = "certificate contexts not prewarmed: {certificates} certificates exceed TERMINATOR_CERT_CACHE_SIZE ({capacity}); each loads on its first handshake")]
    public static partial void PrewarmSkipped(ILogger logger, int certificates, int capacity);
}
