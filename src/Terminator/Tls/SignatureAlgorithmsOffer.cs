namespace Terminator.Tls;

/// <summary>What a ClientHello's signature_algorithms extension said about ECDSA. Absence is its own case: in TLS 1.2 it
/// means "the defaults of the key exchange" (RFC 5246 §7.4.1.4.1), not "nothing".</summary>
internal enum SignatureAlgorithmsOffer : byte
{
    /// <summary>No signature_algorithms extension.</summary>
    NoExtension,

    /// <summary>The extension lists no ECDSA scheme we count (see <see cref="ClientHelloSignatureAlgorithms.Parse"/>).</summary>
    NoEcdsa,

    /// <summary>The extension lists ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384 or ecdsa_secp521r1_sha512.</summary>
    Ecdsa,
}
