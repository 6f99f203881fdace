using System.Net.Security;
using System.Security.Authentication;

namespace Terminator.Listener;

/// <summary>
/// What the TLS step negotiated, for the steps after it (the proxy's X-Forwarded-Proto and Host check, the access
/// log) — which know nothing else of TLS.
/// </summary>
internal sealed class TlsConnectionFeature(
    SslProtocols protocol,
    TlsCipherSuite cipherSuite,
    SslApplicationProtocol applicationProtocol,
    IServerCertificateNames certificate,
    string? serverName = null)
{
    public SslProtocols Protocol { get; } = protocol;

    public TlsCipherSuite CipherSuite { get; } = cipherSuite;

    /// <summary>The ALPN protocol agreed on (empty when the client sent no ALPN).</summary>
    public SslApplicationProtocol ApplicationProtocol { get; } = applicationProtocol;

    /// <summary>The names the served certificate covers (the Host check: a request for another name is misdirected).</summary>
    public IServerCertificateNames Certificate { get; } = certificate;

    /// <summary>The server name (SNI) the client asked for, as SslStream read it from the ClientHello; null or empty when
    /// the client sent none (served by the default certificate). The access log's SNI field.</summary>
    public string? ServerName { get; } = serverName;

    /// <summary>The client's JA4 fingerprint (FoxIO), 36 ASCII bytes computed once from its ClientHello; null unless
    /// <c>TERMINATOR_JA4_HEADER</c> is set. Immutable once set: every request of the connection shares it.</summary>
    public byte[]? Ja4 { get; init; }

    /// <summary>Called with the connection's transport when it goes idle between requests (no read or write in
    /// progress), to give back buffers the TLS layer would otherwise keep for the connection's life (the runtime's
    /// OpenSSL memory BIOs: <c>Tls/OpenSslIdleBuffers</c>); null when that workaround is off. A shared static delegate,
    /// not a per-connection closure.</summary>
    public Action<Stream>? ReleaseIdleBuffers { get; init; }
}
