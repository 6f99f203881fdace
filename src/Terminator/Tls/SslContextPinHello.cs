namespace Terminator.Tls;

/// <summary>
/// What an <see cref="SslContextPin"/> feeds its server stream: one TLS record holding the first six bytes of a
/// ClientHello (its handshake header and legacy_version), i.e. the first fragment of a ClientHello split across records.
/// </summary>
/// <remarks>
/// A handshake message may be fragmented across records (RFC 8446 §5.1), so OpenSSL takes the fragment and waits for
/// the rest; SslStream has by then created its SSL on the certificate's SSL_CTX, which is all the pin needs. Nothing in
/// the hello is read yet, so the wait depends on nothing about the certificate: ECDSA on any curve and RSA of any size
/// are held alike, and no key share is computed and nothing is signed. (A whole TLS 1.3 hello makes OpenSSL choose a
/// signature scheme first: the one this replaced offered only ecdsa_secp256r1_sha256 among the ECDSA schemes, so P-384
/// and P-521 certificates were refused and never pinned. A hello with an empty key_share would hold every key type
/// TLS 1.3 can sign with through a HelloRetryRequest, at about the same cost, but not a curve TLS 1.3 has no scheme
/// for.) Built once.
/// </remarks>
internal static class SslContextPinHello
{
    /// <summary>The ClientHello length the fragment announces: a typical hello's, never reached.</summary>
    private const int AnnouncedLength = 512;

    /// <summary>One TLS record holding the first fragment of a ClientHello.</summary>
    public static ReadOnlyMemory<byte> Record { get; } = new byte[]
    {
        0x16, 0x03, 0x01, 0x00, 0x06,                                        // record: handshake, TLS 1.0 (as clients send), 6 bytes
        0x01, 0x00, AnnouncedLength >> 8, AnnouncedLength & 0xFF,            // client_hello, length
        0x03, 0x03,                                                          // legacy_version (RFC 8446 §4.1.2)
    };
}
