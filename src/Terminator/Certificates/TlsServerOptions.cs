using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Certificates;

/// <summary>
/// Builds the single, hardened <see cref="SslServerAuthenticationOptions"/> shape used for every certificate.
/// Options are built once per certificate (see <see cref="CertificateEntry.ServerOptions"/>) and reused for every
/// handshake, so the SNI callback never allocates options.
/// </summary>
public static class TlsServerOptions
{
    /// <summary>TLS 1.2 and TLS 1.3 only: older versions are deprecated by RFC 8996.</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>
    /// Forward-secret AEAD suites only. TLS 1.3 suites (RFC 8446 §B.4) are all AEAD with (EC)DHE; for TLS 1.2 only
    /// ECDHE key exchange with GCM (RFC 5289) or ChaCha20-Poly1305 (RFC 7905) is allowed: no CBC, no static RSA.
    /// </summary>
    public static IReadOnlyList<TlsCipherSuite> AllowedCipherSuites { get; } =
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    /// <summary>True for a suite in <see cref="AllowedCipherSuites"/>; checked on every completed handshake.</summary>
    public static bool IsAllowed(TlsCipherSuite suite)
    {
        foreach (TlsCipherSuite allowed in AllowedCipherSuites)
        {
            if (allowed == suite)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Creates server options for <paramref name="context"/>: TLS 1.2 + 1.3, ALPN <c>http/1.1</c> only, no client
    /// certificates, no renegotiation, no revocation checks (there is no client certificate to check).
    /// </summary>
    /// <remarks>
    /// The suite policy is enforced around the handshake rather than with a <see cref="CipherSuitesPolicy"/>: on Linux a
    /// policy disables SslStream's SSL_CTX cache (dotnet/runtime Interop.OpenSsl AllocateSslHandle: "cacheSslContext =
    /// ... CipherSuitesPolicy == null"), which costs a new SSL_CTX per handshake and all session resumption. Instead the
    /// ClientHello peek refuses clients offering no allowed suite (<see cref="Tls.ClientHelloInfo.OffersForwardSecretAead"/>),
    /// OpenSSL's default order prefers AEAD suites, and a handshake that still lands on a suite outside the list is
    /// closed (<see cref="IsAllowed"/>).
    /// </remarks>
    public static SslServerAuthenticationOptions Create(SslStreamCertificateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = Protocols,
            // Only HTTP/1.1 is proxied; advertising h2 would make clients speak a protocol we do not parse.
            ApplicationProtocols = s_applicationProtocols,
            ClientCertificateRequired = false,
            EncryptionPolicy = EncryptionPolicy.RequireEncryption,
            // Renegotiation is a DoS and injection vector (RFC 5746 background); TLS 1.3 removed it entirely.
            AllowRenegotiation = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
    }

    // Shared by every entry: with 100k+ entries a per-entry list would be wasted memory.
    private static readonly List<SslApplicationProtocol> s_applicationProtocols = [SslApplicationProtocol.Http11];
}
