namespace Terminator.Acme;

/// <summary>The challenge types this client can answer (RFC 8555 §8.3, RFC 8737 §3), as the CA names them.</summary>
internal static class AcmeChallengeTypes
{
    /// <summary>HTTP-01 (RFC 8555 §8.3): the key authorization at <c>http://{domain}/.well-known/acme-challenge/{token}</c>, port 80.</summary>
    public const string Http01 = "http-01";

    /// <summary>TLS-ALPN-01 (RFC 8737 §3): a self-signed certificate carrying the key authorization's digest, served on
    /// port 443 to a client offering only the <c>acme-tls/1</c> protocol.</summary>
    public const string TlsAlpn01 = "tls-alpn-01";

    /// <summary>The default preference: HTTP-01 first (it needs nothing but port 80), then TLS-ALPN-01.</summary>
    public static IReadOnlyList<string> DefaultPreference { get; } = [Http01, TlsAlpn01];

    /// <summary>True for a type this client can present.</summary>
    public static bool IsSupported(string type) => type is Http01 or TlsAlpn01;
}
