using System.Security.Authentication;

namespace Terminator.LoadTest.Client.OpenSsl;

/// <summary>A TLS failure of the OpenSSL engine (a handshake it could not complete, an alert after it), carrying its
/// error kind already named (see <see cref="OpenSslErrors"/>); an <see cref="AuthenticationException"/> like
/// SslStream's, for callers that catch those.</summary>
internal sealed class TlsFailureException(string kind) : AuthenticationException(kind)
{
    public string Kind { get; } = kind;
}
