using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Acme;

/// <summary>
/// The fresh private key and PKCS#10 CSR (RFC 2986) an order is finalized with (RFC 8555 §7.4): subject CN = the first
/// name, subjectAltName = every name of the order. A new key for every certificate, never the account key (§11.1) and
/// never a previous certificate's.
/// </summary>
internal static class AcmeCertificateSigningRequest
{
    /// <summary>A new key of <paramref name="keyType"/>: ECDSA P-256, or RSA 2048.</summary>
    public static AsymmetricAlgorithm CreateKey(AcmeKeyType keyType) => keyType switch
    {
        AcmeKeyType.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        AcmeKeyType.Rsa2048 => RSA.Create(2048),
        _ => throw new ArgumentOutOfRangeException(nameof(keyType), keyType, "unknown key type"),
    };

    /// <summary>The CSR's DER for <paramref name="names"/>, signed with <paramref name="key"/> (SHA-256; PKCS#1 v1.5 for RSA).</summary>
    public static byte[] Create(IReadOnlyList<string> names, AsymmetricAlgorithm key)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0)
        {
            throw new ArgumentException("a CSR needs at least one name", nameof(names));
        }

        var subject = new X500DistinguishedNameBuilder();
        // CN is informational for CAs that take the SANs (Let's Encrypt copies a name of 64 characters or fewer).
        subject.AddCommonName(names[0]);
        CertificateRequest request = key switch
        {
            ECDsa ecdsa => new CertificateRequest(subject.Build(), ecdsa, HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(subject.Build(), rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException($"unsupported key {key.GetType().Name}", nameof(key)),
        };

        var san = new SubjectAlternativeNameBuilder();
        foreach (string name in names)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        return request.CreateSigningRequest();
    }
}
