using Microsoft.Extensions.Logging;

namespace Terminator.Daemon;

/// <summary>The daemon's own log lines: start, SIGHUP, stop (event ids 100-199, category Terminator.Daemon).</summary>
internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information,
        Message = "ready: {names} names from {certificates} certificates; https {https}; http {http}; upstream {upstream}; admin {admin}{proxyProtocol}")]
    public static partial void Ready(ILogger logger, int names, int certificates, string https, string http, string upstream, string admin, string proxyProtocol);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "{signal}: draining {connections} connections (up to {drainSeconds} s)")]
    public static partial void Draining(ILogger logger, string signal, long connections, double drainSeconds);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "stopped; connections still open at the drain timeout were closed")]
    public static partial void StoppedAtDrainTimeout(ILogger logger);

    /// <summary>The one line a SIGHUP leaves (plus a line per broken file): what the rescan of every source changed.</summary>
    [LoggerMessage(EventId = 104, Level = LogLevel.Information,
        Message = "SIGHUP: rescan done in {elapsedMs} ms: {added} added, {replaced} replaced, {removed} removed, {failed} failed; {certificates} certificates, {names} names")]
    public static partial void Reloaded(ILogger logger, long elapsedMs, int added, int replaced, int removed, int failed, int certificates, int names);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information,
        Message = "SIGHUP: rescan done in {elapsedMs} ms: {added} added, {replaced} replaced, {removed} removed, {failed} failed; {certificates} certificates, {names} names; default certificate reloaded ({keyAlgorithm}, until {notAfter:yyyy-MM-dd})")]
    public static partial void ReloadedWithDefault(ILogger logger, long elapsedMs, int added, int replaced, int removed, int failed, int certificates, int names,
        string keyAlgorithm, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error, Message = "reload failed: {reason} ({exceptionType}); still serving the certificates loaded before")]
    public static partial void ReloadFailed(ILogger logger, string reason, string exceptionType);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "TERMINATOR_DEFAULT_CERT: {problem}; the previous default certificate stays in use")]
    public static partial void DefaultCertificateKept(ILogger logger, string problem);

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "TERMINATOR_DEFAULT_CERT: {problem}")]
    public static partial void DefaultCertificateNotStapled(ILogger logger, string problem);

    [LoggerMessage(EventId = 109, Level = LogLevel.Warning,
        Message = "NOTIFY_SOCKET={value} is neither an absolute path nor an @abstract name; systemd will not be told when terminator is ready")]
    public static partial void NotifySocketUnusable(ILogger logger, string value);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "NOTIFY_SOCKET: cannot notify systemd ({error}: {reason})")]
    public static partial void NotifyFailed(ILogger logger, System.Net.Sockets.SocketError error, string reason);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "{signal} during start-up: ignored (certificates are being loaded now; the daemon is not ready yet)")]
    public static partial void SignalDuringStartUp(ILogger logger, string signal);
}
