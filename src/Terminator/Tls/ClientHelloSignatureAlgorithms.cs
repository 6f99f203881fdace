using System.Buffers.Binary;

namespace Terminator.Tls;

/// <summary>
/// Reads the signature_algorithms extension and decides whether the client can take an ECDSA certificate, so a name
/// with both an ECDSA and an RSA certificate serves each client one it can verify. Allocates nothing.
/// </summary>
internal static class ClientHelloSignatureAlgorithms
{
    /// <summary>
    /// RFC 8446 §4.2.3: SignatureScheme supported_signature_algorithms&lt;2..2^16-2&gt;; the same wire format as TLS 1.2's
    /// SignatureAndHashAlgorithm list (RFC 5246 §7.4.1.4.1), whose {hash, signature} byte pairs line up with the 1.3
    /// codepoints used here.
    /// </summary>
    internal static ClientHelloParseStatus Parse(ReadOnlySpan<byte> data, out SignatureAlgorithmsOffer offer)
    {
        offer = SignatureAlgorithmsOffer.NoEcdsa;
        if (!ClientHelloBodyParser.TryReadVector16(ref data, out var list) || data.Length != 0 || list.Length < 2 || (list.Length & 1) != 0)
        {
            return ClientHelloParseStatus.Malformed;
        }

        for (int i = 0; i < list.Length; i += 2)
        {
            // ecdsa_secp256r1_sha256 (0x0403), ecdsa_secp384r1_sha384 (0x0503), ecdsa_secp521r1_sha512 (0x0603); in TLS
            // 1.2 the same bytes read {sha256|sha384|sha512, ecdsa} with any curve. ecdsa_sha1 (0x0203) does not count:
            // OpenSSL 3 refuses SHA-1 handshake signatures at its default security level, so the handshake would fail.
            // TLS 1.3 ties each scheme to a curve, so this is a family-level answer: a P-384 leaf needs 0x0503. That is
            // close enough because clients offering ECDSA offer 0x0403 and 0x0503 together (openssl, curl, Chromium,
            // Firefox, Go), and it keeps the flag a single bit.
            ushort scheme = BinaryPrimitives.ReadUInt16BigEndian(list[i..]);
            if (scheme is 0x0403 or 0x0503 or 0x0603)
            {
                offer = SignatureAlgorithmsOffer.Ecdsa;
            }
        }

        return ClientHelloParseStatus.Success;
    }

    /// <summary>
    /// Whether an ECDSA leaf can complete this client's handshake (see <see cref="ClientHelloInfo.OffersEcdsa"/>).
    /// </summary>
    internal static bool AcceptsEcdsa(ReadOnlySpan<byte> cipherSuites, TlsVersionFlags versions, SignatureAlgorithmsOffer signatures)
    {
        bool tls13Suite = false;
        bool ecdsaTls12Suite = false;
        for (int i = 0; i + 1 < cipherSuites.Length; i += 2)
        {
            switch (BinaryPrimitives.ReadUInt16BigEndian(cipherSuites[i..]))
            {
                case 0x1301 or 0x1302 or 0x1303:
                    tls13Suite = true;
                    break;

                // RFC 5289 / RFC 7905: the ECDHE_ECDSA AEAD suites our policy allows. In TLS 1.2 the suite names the
                // certificate's key type, so without one of these an ECDSA leaf cannot be used at all.
                case 0xC02B or 0xC02C or 0xCCA9:
                    ecdsaTls12Suite = true;
                    break;
            }
        }

        if ((versions & TlsVersionFlags.Tls13) != 0 && tls13Suite)
        {
            // TLS 1.3 will be negotiated (we prefer it), and there the key type is chosen by signature_algorithms alone
            // (RFC 8446 §4.4.2.2). A 1.3 hello without the extension cannot authenticate with any certificate
            // (§4.2.3: "MUST abort the handshake with a missing_extension alert"); RSA is as good as anything then.
            return signatures == SignatureAlgorithmsOffer.Ecdsa;
        }

        if ((versions & TlsVersionFlags.Tls12) == 0 || !ecdsaTls12Suite)
        {
            return false;
        }

        // TLS 1.2 with an ECDHE_ECDSA suite on offer. No extension: RFC 5246 §7.4.1.4.1 says the server assumes
        // {sha1, <the key exchange's signature algorithm>}, i.e. {sha1, ecdsa} for ECDHE_ECDSA, so ECDSA is acceptable.
        // (Whether OpenSSL's security level then allows a SHA-1 signature is the same question for an RSA leaf.)
        return signatures != SignatureAlgorithmsOffer.NoEcdsa;
    }
}
