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
    [LoggerMessage(EventId = 402, EventName = "RuntimeWorkaroundsActive", Level = LogLevel.Information,
        Message = "runtime workarounds in effect on .NET {runtime}: {workarounds}")]
    public static partial void RuntimeWorkaroundsActive(ILogger logger, string runtime, string workarounds);

    [LoggerMessage(EventId = 403, EventName = "RuntimeWorkaroundOff", Level = LogLevel.Warning,
        Message = "runtime workaround off on .NET {runtime}: {workaround} (this runtime's internals differ from the verified ones; correct, but {cost}); check for a Terminator build made for this runtime")]
    public static partial void RuntimeWorkaroundOff(ILogger logger, string runtime, string workaround, string cost);

    /// <summary>One line at start-up: every workaround in effect (information), or one warning per workaround that is
    /// off, with what it costs.</summary>
    public static void RuntimeWorkarounds(ILogger logger, RuntimeWorkaroundState state, bool sslContextPinning)
    {
        string runtime = Environment.Version.ToString();
        if (state.ChainBuildSkipped && (state.SslContextRented || !sslContextPinning) && state.RecordBuffersReleased && state.BioBuffersReleased)
        {
            RuntimeWorkaroundsActive(logger, runtime, sslContextPinning
                ? "certificate contexts without a chain build, SSL_CTX pins as rents, OpenSSL record and BIO buffers released on idle connections"
                : "certificate contexts without a chain build, OpenSSL record and BIO buffers released on idle connections (SSL_CTX pinning off)");
            return;
        }

        if (!state.ChainBuildSkipped)
        {
            RuntimeWorkaroundOff(logger, runtime, "certificate contexts are built with the runtime's chain build",
                "each certificate's first handshake costs ~0.4 ms more CPU");
        }

        if (sslContextPinning && !state.SslContextRented)
        {
            RuntimeWorkaroundOff(logger, runtime, "SSL_CTX pins are pending half-handshakes instead of rents",
                "each cached certificate costs ~0.2 ms more CPU to pin and ~55 KiB more memory");
        }

        if (!state.RecordBuffersReleased)
        {
            RuntimeWorkaroundOff(logger, runtime, "OpenSSL keeps its record buffers on idle TLS connections",
                "each idle keep-alive connection holds ~13 KiB more");
        }

        if (!state.BioBuffersReleased)
        {
            RuntimeWorkaroundOff(logger, runtime, "the runtime's OpenSSL memory BIOs keep their buffers on idle TLS connections",
                "each idle keep-alive connection holds ~1 KiB more, ~22 KiB once it has carried a 16 KiB TLS record");
        }
    }
}
