namespace Terminator.Samples.Certificates;

/// <summary>Key type of a certificate issued by <see cref="LocalCertificateAuthority"/>.</summary>
public enum CertificateKeyType
{
    /// <summary>ECDSA on NIST P-256 (fast to generate and to sign with; the default).</summary>
    EcdsaP256,

    /// <summary>RSA with a 2048-bit modulus (for clients or tests that need an RSA certificate).</summary>
    Rsa2048,

    /// <summary>ECDSA on NIST P-384 (TLS 1.3 binds it to ecdsa_secp384r1_sha384).</summary>
    EcdsaP384,

    /// <summary>ECDSA on NIST P-521 (TLS 1.3 binds it to ecdsa_secp521r1_sha512).</summary>
    EcdsaP521,

    /// <summary>RSA with a 3072-bit modulus.</summary>
    Rsa3072,

    /// <summary>RSA with a 4096-bit modulus.</summary>
    Rsa4096,
}
