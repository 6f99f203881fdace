using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Samples.Certificates;

/// <summary>
/// A throwaway certificate authority for demo mode and tests: an ECDSA P-256 self-signed root that issues
/// server certificates. Not for production: the key lives in process memory (and wherever the caller persists it).
/// </summary>
public sealed class LocalCertificateAuthority : IDisposable
{
    private static readonly TimeSpan DefaultLeafValidity = TimeSpan.FromDays(90);

    // Backdating covers clock skew between this host and the client (common in VMs and containers).
    private static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromMinutes(5);

    private readonly ECDsa _key;

    // Issue may be called from several threads (tests generate in parallel); serialise use of the CA key, whose
    // thread safety .NET does not document. Leaf key generation, the expensive part, stays outside the lock.
    private readonly Lock _signLock = new();

    private LocalCertificateAuthority(X509Certificate2 certificate, ECDsa key)
    {
        Certificate = certificate;
        _key = key;
        CertificatePem = IssuedCertificate.WithFinalNewline(certificate.ExportCertificatePem());
    }

    /// <summary>The root certificate (with its private key).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The root certificate as PEM (what clients must trust).</summary>
    public string CertificatePem { get; }

    /// <summary>Creates a new root: ECDSA P-256, CN = <paramref name="commonName"/>, valid for one year.</summary>
    public static LocalCertificateAuthority Create(string commonName)
    {
        ArgumentException.ThrowIfNullOrEmpty(commonName);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        var certificate = request.CreateSelfSigned(now - ClockSkewAllowance, now.AddYears(1));
        return new LocalCertificateAuthority(certificate, key);
    }

    /// <summary>Loads a root persisted with <see cref="CertificatePem"/> and <see cref="ExportPrivateKeyPem"/>.</summary>
    /// <exception cref="CryptographicException">The PEM is malformed, the key is not ECDSA, or it does not match.</exception>
    public static LocalCertificateAuthority Load(string certificatePem, string privateKeyPem)
    {
        ArgumentNullException.ThrowIfNull(certificatePem);
        ArgumentNullException.ThrowIfNull(privateKeyPem);
        var certificate = X509Certificate2.CreateFromPem(certificatePem, privateKeyPem);
        var key = certificate.GetECDsaPrivateKey();
        if (key is null)
        {
            certificate.Dispose();
            throw new CryptographicException("The local CA key must be ECDSA.");
        }

        return new LocalCertificateAuthority(certificate, key);
    }

    /// <summary>The root's private key as PKCS#8 PEM ("PRIVATE KEY"), for persisting next to <see cref="CertificatePem"/>.</summary>
    public string ExportPrivateKeyPem() => IssuedCertificate.WithFinalNewline(_key.ExportPkcs8PrivateKeyPem());

    /// <summary>
    /// Issues a server certificate (thread-safe): CN = first name, SAN = all names, EKU serverAuth, KU digitalSignature, valid from
    /// five minutes ago for <paramref name="validity"/> (default 90 days; clamped to the root's own expiry).
    /// <paramref name="ocspResponder"/>, when given, goes into an Authority Information Access extension as the OCSP
    /// responder (id-ad-ocsp, RFC 5280 §4.2.2.1).
    /// </summary>
    public IssuedCertificate Issue(
        IReadOnlyList<string> dnsNames,
        CertificateKeyType keyType = CertificateKeyType.EcdsaP256,
        TimeSpan? validity = null,
        Uri? ocspResponder = null)
    {
        var now = DateTimeOffset.UtcNow;
        return Issue(dnsNames, keyType, now - ClockSkewAllowance, now + (validity ?? DefaultLeafValidity), ocspResponder);
    }

    /// <summary>Issues a server certificate with an explicit validity window (tests use this for expired certificates).
    /// <paramref name="notAfter"/> is clamped to the root's expiry, which X.509 issuers must not outlive.</summary>
    public IssuedCertificate Issue(
        IReadOnlyList<string> dnsNames,
        CertificateKeyType keyType,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        Uri? ocspResponder = null)
    {
        ArgumentNullException.ThrowIfNull(dnsNames);
        if (dnsNames.Count == 0)
        {
            throw new ArgumentException("At least one DNS name is required.", nameof(dnsNames));
        }

        var rootNotAfter = new DateTimeOffset(Certificate.NotAfter.ToUniversalTime());
        if (notAfter > rootNotAfter)
        {
            notAfter = rootNotAfter;
        }

        using AsymmetricAlgorithm key = CreateKey(keyType);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(dnsNames[0]);
        var request = key is RSA rsa
            ? new CertificateRequest(subject.Build(), rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject.Build(), (ECDsa)key, HashAlgorithmName.SHA256);

        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        if (ocspResponder is not null)
        {
            request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension([ocspResponder.AbsoluteUri], null));
        }

        // RFC 5280 §4.1.2.2: positive, unique, at most 20 octets; 16 random bytes with the top bit cleared.
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        X509Certificate2 certificate;
        lock (_signLock)
        {
            certificate = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), notBefore, notAfter, serial);
        }

        using var issued = certificate;
        var privateKeyPem = key.ExportPkcs8PrivateKeyPem();
        return new IssuedCertificate(issued.ExportCertificatePem(), privateKeyPem, chainPem: issued.ExportCertificatePem());
    }

    private static AsymmetricAlgorithm CreateKey(CertificateKeyType keyType) => keyType switch
    {
        CertificateKeyType.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        CertificateKeyType.EcdsaP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        CertificateKeyType.EcdsaP521 => ECDsa.Create(ECCurve.NamedCurves.nistP521),
        CertificateKeyType.Rsa2048 => RSA.Create(2048),
        CertificateKeyType.Rsa3072 => RSA.Create(3072),
        CertificateKeyType.Rsa4096 => RSA.Create(4096),
        _ => throw new ArgumentOutOfRangeException(nameof(keyType), keyType, "unknown key type"),
    };

    /// <inheritdoc />
    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }
}
