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

    // One immutable policy shared by every entry: with 100k+ entries a per-entry copy would be wasted memory.
    private static readonly CipherSuitesPolicy? SharedPolicy = CreatePolicy();

    /// <summary>
    /// Creates server options for <paramref name="context"/>: TLS 1.2 + 1.3, forward-secret AEAD suites (where the
    /// platform supports a cipher-suite policy: everywhere but Windows), ALPN <c>http/1.1</c> only, no client
    /// certificates, no renegotiation, no revocation checks (there is no client certificate to check).
    /// </summary>
    public static SslServerAuthenticationOptions Create(SslStreamCertificateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = Protocols,
            // Only HTTP/1.1 is proxied; advertising h2 would make clients speak a protocol we do not parse.
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            ClientCertificateRequired = false,
            EncryptionPolicy = EncryptionPolicy.RequireEncryption,
            // Renegotiation is a DoS and injection vector (RFC 5746 background); TLS 1.3 removed it entirely.
            AllowRenegotiation = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (SharedPolicy is not null && !OperatingSystem.IsWindows())
        {
            options.CipherSuitesPolicy = SharedPolicy;
        }

        return options;
    }

    // Windows (SChannel) has no per-connection suite policy; there the OS-wide configuration applies.
    private static CipherSuitesPolicy? CreatePolicy() =>
        OperatingSystem.IsWindows() ? null : new CipherSuitesPolicy(AllowedCipherSuites);
}
