namespace Terminator.Certificates;

/// <summary>Key types <see cref="LocalCertificateAuthority"/> can issue.</summary>
public enum CertificateKeyType
{
    EcdsaP256,
    Rsa2048,
}
