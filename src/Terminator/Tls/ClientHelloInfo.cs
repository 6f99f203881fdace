namespace Terminator.Tls;

/// <summary>What <see cref="ClientHelloParser"/> learned from a ClientHello. Only meaningful after <see cref="ClientHelloParseStatus.Success"/>.</summary>
public readonly struct ClientHelloInfo
{
    internal ClientHelloInfo(int serverNameLength, TlsVersionFlags offeredVersions, AlpnFlags alpn, int recordBytes, bool offersForwardSecretAead = false)
    {
        OffersForwardSecretAead = offersForwardSecretAead;
        ServerNameLength = serverNameLength;
        OfferedVersions = offeredVersions;
        Alpn = alpn;
        RecordBytes = recordBytes;
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

    /// <summary>Total bytes, including every 5-byte record header, of the TLS records that carry the whole ClientHello.</summary>
    public int RecordBytes { get; }
}
