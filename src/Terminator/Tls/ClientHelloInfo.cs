namespace Terminator.Tls;

/// <summary>What <see cref="ClientHelloParser"/> learned from a ClientHello. Only meaningful after <see cref="ClientHelloParseStatus.Success"/>.</summary>
internal readonly struct ClientHelloInfo
{
    internal ClientHelloInfo(int serverNameLength, TlsVersionFlags offeredVersions, AlpnFlags alpn, bool offersForwardSecretAead = false, bool offersEcdsa = false)
    {
        OffersEcdsa = offersEcdsa;
        OffersForwardSecretAead = offersForwardSecretAead;
        ServerNameLength = serverNameLength;
        OfferedVersions = offeredVersions;
        Alpn = alpn;
    }

    /// <summary>Length of the normalised host name written to the caller's buffer; 0 when the client sent no host_name.</summary>
    public int ServerNameLength { get; }

    /// <summary>
    /// Versions from supported_versions (RFC 8446 §4.2.1) when present; otherwise the single version named by
    /// legacy_version, which is the client's maximum (RFC 5246 §7.4.1.2) — lower versions are not implied.
    /// </summary>
    public TlsVersionFlags OfferedVersions { get; }

    /// <summary>Protocols offered via ALPN (RFC 7301 §3.1).</summary>
    public AlpnFlags Alpn { get; }

    /// <summary>
    /// True when the client offers at least one suite our policy allows: a TLS 1.3 suite (all are AEAD with (EC)DHE)
    /// together with TLS 1.3, or a TLS 1.2 ECDHE suite with AES-GCM or ChaCha20-Poly1305. Lets the terminator refuse a
    /// CBC-or-static-RSA-only client before the handshake while SslStream keeps OpenSSL's cached SSL_CTX (setting a
    /// CipherSuitesPolicy turns that cache, and with it session resumption, off).
    /// </summary>
    public bool OffersForwardSecretAead { get; }

    /// <summary>
    /// True when an ECDSA certificate can complete this client's handshake, so a name with both an ECDSA and an RSA
    /// certificate serves the (smaller, faster) ECDSA one. The rule:
    /// <list type="bullet">
    /// <item>TLS 1.3 offered with a TLS 1.3 suite: signature_algorithms lists ecdsa_secp256r1_sha256,
    /// ecdsa_secp384r1_sha384 or ecdsa_secp521r1_sha512 (RFC 8446 §4.2.3; signature_algorithms_cert only constrains
    /// the chain and is not consulted).</item>
    /// <item>Otherwise TLS 1.2 with an allowed ECDHE_ECDSA suite, and either the same schemes in signature_algorithms
    /// or no such extension at all (RFC 5246 §7.4.1.4.1: the default for ECDHE_ECDSA is {sha1, ecdsa}).</item>
    /// </list>
    /// False means the RSA certificate is the one that can work.
    /// </summary>
    public bool OffersEcdsa { get; }
}
