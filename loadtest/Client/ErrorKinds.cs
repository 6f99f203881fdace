using System.Net.Sockets;
using System.Security.Authentication;
using Terminator.LoadTest.Client.OpenSsl;

namespace Terminator.LoadTest.Client;

/// <summary>
/// Turns what went wrong into the short, stable kinds errors are counted by: "connect ConnectionRefused",
/// "tls alert unrecognized name", "tls certificate rejected (RemoteCertificateChainErrors)", "timeout response",
/// "http 502". Only on the error path, so the strings it builds cost nothing in the steady state.
/// </summary>
internal static class ErrorKinds
{
    public static string Classify(Exception exception, string phase)
    {
        switch (exception)
        {
            case TlsFailureException named:
                return named.Kind;
            case OperationCanceledException:
                return "timeout " + phase;
            case SocketException socket:
                return $"{phase} {socket.SocketErrorCode}";
            case AuthenticationException authentication:
                return Tls(authentication);
            case IOException { InnerException: SocketException socket }:
                return $"{phase} {socket.SocketErrorCode}";
            case IOException:
                return phase == "handshake" ? "tls closed by server" : phase + " closed by server";
            default:
                return $"{phase} {exception.GetType().Name}";
        }
    }

    /// <summary>The OpenSSL reason of the innermost exception ("... SSL routines::tlsv1 alert unrecognized name"
    /// gives "tls alert unrecognized name"), or the certificate check that failed.</summary>
    private static string Tls(AuthenticationException exception)
    {
        if (exception.Message.Contains("remote certificate", StringComparison.OrdinalIgnoreCase))
        {
            return "tls certificate rejected";
        }

        Exception innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        string message = innermost.Message;
        int routines = message.LastIndexOf("::", StringComparison.Ordinal);
        string reason = routines >= 0 ? message[(routines + 2)..].Trim() : "handshake failed";
        int alert = reason.IndexOf("alert ", StringComparison.Ordinal);
        if (alert >= 0)
        {
            return "tls " + reason[alert..];
        }

        // OpenSSL names a received alert "tlsv1 unrecognized name" (SSL_R_TLSV1_UNRECOGNIZED_NAME) or "sslv3 ...".
        return reason.StartsWith("tlsv1 ", StringComparison.Ordinal) || reason.StartsWith("sslv3 ", StringComparison.Ordinal)
            ? "tls alert " + reason[6..]
            : "tls " + reason;
    }
}
