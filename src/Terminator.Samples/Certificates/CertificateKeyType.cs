namespace Terminator.Samples.Certificates;

/// <summary>Key type of a certificate issued by <see cref="LocalCertificateAuthority"/>.</summary>
public enum CertificateKeyType
{
    /// <summary>ECDSA on NIST P-256 (fast to generate and to sign with; the default).</summary>
    EcdsaP256,

    /// <summary>RSA with a 2048-bit modulus (for clients or tests that need an RSA certificate).</summary>
    Rsa2048,
}
