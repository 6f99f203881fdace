using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Certificates;

/// <summary>
/// The one TLS policy every certificate is served with: TLS 1.2 and 1.3 only, forward-secret (ECDHE) AEAD suites only,
/// ALPN http/1.1, no client certificates, no renegotiation. Options are built once per certificate at load time, never
/// per handshake (dotnet/aspnetcore#46117).
/// </summary>
public static class TlsServerOptions
{
    private static readonly CipherSuitesPolicy s_cipherSuites = new(
    [
        // TLS 1.3 (RFC 8446 §B.4): all AEAD, all (EC)DHE.
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        // TLS 1.2: ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 only (no CBC, no static RSA, no DHE).
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]);

    private static readonly List<SslApplicationProtocol> s_applicationProtocols = [SslApplicationProtocol.Http11];

    public static SslServerAuthenticationOptions Create(SslStreamCertificateContext context) => new()
    {
        ServerCertificateContext = context,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        CipherSuitesPolicy = s_cipherSuites,
        ApplicationProtocols = s_applicationProtocols,
        ClientCertificateRequired = false,
        AllowRenegotiation = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };
}
