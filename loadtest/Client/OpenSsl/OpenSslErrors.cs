using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using static Terminator.LoadTest.Client.OpenSsl.OpenSslNative;

namespace Terminator.LoadTest.Client.OpenSsl;

/// <summary>
/// Names a failed handshake the way the SslStream engine's kinds read (<see cref="ErrorKinds"/>): an alert the server
/// sent by its name from the alert code (<c>tls alert unrecognized name</c>), a certificate the verifier refused with
/// its reason (<c>tls certificate rejected (unable to get local issuer certificate)</c>, <c>... (hostname mismatch)</c>),
/// anything else by OpenSSL's reason string. Each kind is made once per code and reused, so counting errors allocates
/// nothing after the first of a kind.
/// </summary>
/// <remarks>OpenSSL's error queue is per thread, and an awaited connection moves between threads: every call that can
/// fail is preceded by <see cref="ERR_clear_error"/> and its errors are read before the next await.</remarks>
internal static class OpenSslErrors
{
    private const int LibSsl = 20;                 // ERR_LIB_SSL
    private const int AlertReasonOffset = 1000;    // SSL_AD_REASON_OFFSET: reason = 1000 + the received alert's code
    private const ulong SystemErrorFlag = 1UL << 31;

    private static readonly string?[] s_alerts = new string?[256];
    private static readonly ConcurrentDictionary<long, string> s_verify = new();
    private static readonly ConcurrentDictionary<ulong, string> s_reasons = new();

    /// <summary>The kind of a TLS call (a handshake, or a read or write after it) that failed with <c>SSL_ERROR_SSL</c>;
    /// clears the thread's error queue.</summary>
    public static string HandshakeFailure(nint ssl, bool verifies)
    {
        long verify = SSL_get_verify_result(ssl);
        if (verifies && verify != 0)
        {
            ERR_clear_error();
            return Rejected(verify);
        }

        ulong first = 0;
        for (ulong error; (error = ERR_get_error()) != 0;)
        {
            if (first == 0)
            {
                first = error;
            }
        }

        return first == 0 ? "tls handshake failed" : Kind(first);
    }

    /// <summary>"tls certificate rejected (hostname mismatch)" for an <c>X509_V_ERR_*</c> code.</summary>
    public static string Rejected(long verifyResult) =>
        s_verify.GetOrAdd(verifyResult, static code =>
            "tls certificate rejected (" + (Marshal.PtrToStringUTF8(X509_verify_cert_error_string((nint)code)) ?? "code " + code) + ")");

    /// <summary>OpenSSL's reason for the thread's first queued error (start-up failures only); clears the queue.</summary>
    public static string DrainReason()
    {
        ulong first = ERR_get_error();
        ERR_clear_error();
        return first == 0 ? "no OpenSSL error queued" : Marshal.PtrToStringUTF8(ERR_reason_error_string(first)) ?? "error " + first;
    }

    private static string Kind(ulong error)
    {
        if ((error & SystemErrorFlag) == 0)
        {
            int library = (int)((error >> 23) & 0xFF);
            int reason = (int)(error & 0x7FFFFF);
            if (library == LibSsl && reason is >= AlertReasonOffset and < AlertReasonOffset + 256)
            {
                int alert = reason - AlertReasonOffset;
                return s_alerts[alert] ??= "tls alert " + (Marshal.PtrToStringUTF8(SSL_alert_desc_string_long(alert)) ?? "code " + alert);
            }
        }

        return s_reasons.GetOrAdd(error, static e => "tls " + (Marshal.PtrToStringUTF8(ERR_reason_error_string(e)) ?? "error " + e));
    }
}
