using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Certificates;

/// <summary>
/// A throwaway certificate authority for the demo mode, tests and benchmarks: an ECDSA P-256 root that issues leaf
/// certificates with SAN DNS names, serverAuth, and key identifiers, as a public CA would.
/// </summary>
public sealed class LocalCertificateAuthority : IDisposable
{
    private readonly X509Certificate2 _certificate;
    private readonly ECDsa _key;

    private LocalCertificateAuthority(X509Certificate2 certificate, ECDsa key)
    {
        _certificate = certificate;
        _key = key;
        CertificatePem = certificate.ExportCertificatePem() + "\n";
    }

    /// <summary>The root (with its private key: dispose it when done).</summary>
    public X509Certificate2 Certificate => _certificate;

    public string CertificatePem { get; }

    public static LocalCertificateAuthority Create(string commonName)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        X509Certificate2 root = request.CreateSelfSigned(now.AddHours(-1), now.AddYears(1));
        return new LocalCertificateAuthority(root, key);
    }

    public static LocalCertificateAuthority Load(string certificatePem, string privateKeyPem)
    {
        X509Certificate2 certificate = X509Certificate2.CreateFromPem(certificatePem, privateKeyPem);
        ECDsa key = certificate.GetECDsaPrivateKey() ?? throw new CryptographicException("the CA key must be ECDSA");
        return new LocalCertificateAuthority(certificate, key);
    }

    /// <summary>PKCS#8 PEM of the CA key. Never log it.</summary>
    public string ExportPrivateKeyPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>Issues a leaf for <paramref name="dnsNames"/> (CN = the first name, SAN = all of them).</summary>
    public IssuedCertificate Issue(IReadOnlyList<string> dnsNames, CertificateKeyType keyType = CertificateKeyType.EcdsaP256, TimeSpan? validity = null)
    {
        ArgumentNullException.ThrowIfNull(dnsNames);
        ArgumentOutOfRangeException.ThrowIfZero(dnsNames.Count);
        using AsymmetricAlgorithm key = keyType == CertificateKeyType.Rsa2048 ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedName($"CN={dnsNames[0]}");
        CertificateRequest request = key is RSA rsa
            ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);

        var san = new SubjectAlternativeNameBuilder();
        foreach (string name in dnsNames)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            key is RSA ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset notAfter = now + (validity ?? TimeSpan.FromDays(90));
        if (notAfter > _certificate.NotAfter)
        {
            notAfter = _certificate.NotAfter;
        }

        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive INTEGER (RFC 5280 §4.1.2.2)
        using X509Certificate2 leaf = request.Create(_certificate, now.AddMinutes(-5), notAfter, serial);
        // Exported PEM has no final newline; files are concatenated (chain + key), so every block ends its line.
        string leafPem = leaf.ExportCertificatePem() + "\n";
        string keyPem = (key is RSA r ? r.ExportPkcs8PrivateKeyPem() : ((ECDsa)key).ExportPkcs8PrivateKeyPem()) + "\n";
        return new IssuedCertificate(leafPem, keyPem, leafPem);
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _key.Dispose();
    }
}
