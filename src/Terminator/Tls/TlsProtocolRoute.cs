using Terminator.Listener;

namespace Terminator.Tls;

/// <summary>
/// An application protocol that leaves the TLS step for a pipeline other than the default one, decided from the
/// ClientHello's ALPN before the handshake: e.g. ACME's <c>acme-tls/1</c> (RFC 8737), which needs its own challenge
/// certificate and its own step instead of the HTTP/1.1 proxy.
/// </summary>
internal sealed class TlsProtocolRoute(AlpnFlags protocol, ITlsCertificateSelector certificates, ConnectionDelegate next)
{
    /// <summary>The ALPN protocol that selects this route when the client offers it.</summary>
    public AlpnFlags Protocol { get; } = protocol;

    /// <summary>Chooses the certificate (and through it the options, which must offer <see cref="Protocol"/>).</summary>
    public ITlsServerCertificate? Select(ReadOnlySpan<byte> serverName, in ClientHelloInfo hello) => certificates.Select(serverName, hello);

    /// <summary>The step that receives the authenticated connection.</summary>
    public ConnectionDelegate Next { get; } = next;
}
