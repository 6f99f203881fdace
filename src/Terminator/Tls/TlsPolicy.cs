using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Tls;

/// <summary>
/// The terminator's one TLS policy: TLS 1.2 and 1.3 only (RFC 8996), forward-secret AEAD suites only, ALPN
/// <c>http/1.1</c>, no renegotiation, no client certificates. Everything that needs the policy reads it here: the
/// options every certificate's handshakes use (<see cref="CreateServerOptions"/>), the ClientHello peek that refuses
/// clients offering no allowed suite (<see cref="IsAllowedWireSuite"/>), the check after each handshake
/// (<see cref="IsAllowed"/>), and OpenSSL's own TLS 1.2 cipher list (<see cref="OpenSslCipherList"/>).
/// </summary>
/// <remarks>
/// There is no <see cref="CipherSuitesPolicy"/> on the options: on Linux a policy disables SslStream's SSL_CTX cache
/// (dotnet/runtime Interop.OpenSsl AllocateSslHandle: "cacheSslContext = ... CipherSuitesPolicy == null"), which costs
/// a new SSL_CTX per handshake and all session resumption. OpenSSL's cipher list is set for the whole process instead
/// (<see cref="OpenSslCipherList"/>, loaded by <see cref="Interop.OpenSslCipherPolicy"/> at start-up), and the peek and
/// the post-handshake check keep the policy even if that configuration were missing.
/// </remarks>
internal static class TlsPolicy
{
    /// <summary>TLS 1.2 and TLS 1.3 only: older versions are deprecated by RFC 8996.</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>
    /// Every allowed suite, once. TLS 1.3 suites (RFC 8446 §B.4) are all AEAD with (EC)DHE; for TLS 1.2 only ECDHE key
    /// exchange with AES-GCM (RFC 5289) or ChaCha20-Poly1305 (RFC 7905): no CBC, no static RSA, no finite-field DHE.
    /// The enum values are the IANA code points, i.e. the wire values in a ClientHello.
    /// </summary>
    private static readonly AllowedSuite[] s_suites =
    [
        new(TlsCipherSuite.TLS_AES_128_GCM_SHA256, Tls13Only: true, OpenSslName: "TLS_AES_128_GCM_SHA256"),
        new(TlsCipherSuite.TLS_AES_256_GCM_SHA384, Tls13Only: true, OpenSslName: "TLS_AES_256_GCM_SHA384"),
        new(TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256, Tls13Only: true, OpenSslName: "TLS_CHACHA20_POLY1305_SHA256"),
        new(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, Tls13Only: false, OpenSslName: "ECDHE-ECDSA-AES128-GCM-SHA256"),
        new(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, Tls13Only: false, OpenSslName: "ECDHE-ECDSA-AES256-GCM-SHA384"),
        new(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, Tls13Only: false, OpenSslName: "ECDHE-ECDSA-CHACHA20-POLY1305"),
        new(TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, Tls13Only: false, OpenSslName: "ECDHE-RSA-AES128-GCM-SHA256"),
        new(TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, Tls13Only: false, OpenSslName: "ECDHE-RSA-AES256-GCM-SHA384"),
        new(TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, Tls13Only: false, OpenSslName: "ECDHE-RSA-CHACHA20-POLY1305"),
    ];

    // Shared by every entry: with 100k+ entries a per-entry list would be wasted memory.
    private static readonly List<SslApplicationProtocol> s_applicationProtocols = [SslApplicationProtocol.Http11];

    /// <summary>The allowed suites, TLS 1.3 first.</summary>
    public static IReadOnlyList<TlsCipherSuite> AllowedCipherSuites { get; } = Array.ConvertAll(s_suites, s => s.Suite);

    /// <summary>OpenSSL's names of the allowed TLS 1.2 suites, colon-separated, in preference order (a cipher list
    /// for OpenSSL's <c>CipherString</c>). TLS 1.3 suites are configured separately in OpenSSL and are all allowed.</summary>
    public static string OpenSslCipherList { get; } = string.Join(':', Array.ConvertAll(Array.FindAll(s_suites, s => !s.Tls13Only), s => s.OpenSslName));

    /// <summary>True for an allowed suite; checked after every completed handshake.</summary>
    public static bool IsAllowed(TlsCipherSuite suite) => Find((ushort)suite) is not null;

    /// <summary>
    /// True when a suite offered in a ClientHello (its 2-byte code point) can be negotiated under the policy with one of
    /// the versions the client offers: a TLS 1.3 suite needs TLS 1.3 on offer; an ECDHE AEAD suite works with either.
    /// </summary>
    public static bool IsAllowedWireSuite(ushort codePoint, TlsVersionFlags offeredVersions)
    {
        AllowedSuite? suite = Find(codePoint);
        if (suite is null)
        {
            return false;
        }

        TlsVersionFlags needed = suite.Tls13Only ? TlsVersionFlags.Tls13 : TlsVersionFlags.Tls12 | TlsVersionFlags.Tls13;
        return (offeredVersions & needed) != 0;
    }

    /// <summary>
    /// Server options for <paramref name="context"/>, built once per certificate and reused for every handshake:
    /// <see cref="Protocols"/>, ALPN <c>http/1.1</c> only, no client certificates, no renegotiation, no revocation
    /// checks (there is no client certificate to check).
    /// </summary>
    public static SslServerAuthenticationOptions CreateServerOptions(SslStreamCertificateContext context)
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

    private static AllowedSuite? Find(ushort codePoint)
    {
        foreach (AllowedSuite suite in s_suites)
        {
            if ((ushort)suite.Suite == codePoint)
            {
                return suite;
            }
        }

        return null;
    }

    private sealed record AllowedSuite(TlsCipherSuite Suite, bool Tls13Only, string OpenSslName);
}
