namespace Terminator.Acme;

/// <summary>The key a new certificate gets (a fresh one per certificate, never the account key).</summary>
internal enum AcmeKeyType
{
    /// <summary>ECDSA on P-256 (secp256r1): small, fast handshakes, accepted by every current client. The default.</summary>
    EcdsaP256,

    /// <summary>RSA 2048: for the few clients that cannot verify ECDSA (see the README's key-family selection).</summary>
    Rsa2048,
}
