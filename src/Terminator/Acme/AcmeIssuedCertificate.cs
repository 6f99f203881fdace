using System.Security.Cryptography.X509Certificates;

namespace Terminator.Acme;

/// <summary>
/// A certificate the CA issued for an order: the chain as the CA sent it (leaf first, PEM), the new private key
/// (PKCS#8 PEM) and the leaf with that key attached. Disposing releases the leaf. <see cref="ToString"/> never shows
/// the key.
/// </summary>
internal sealed class AcmeIssuedCertificate : IDisposable
{
    internal AcmeIssuedCertificate(string chainPem, string privateKeyPem, X509Certificate2 leaf, AcmeKeyType keyType, Uri certificateUrl)
    {
        ChainPem = chainPem;
        PrivateKeyPem = privateKeyPem;
        Leaf = leaf;
        KeyType = keyType;
        CertificateUrl = certificateUrl;
    }

    /// <summary><c>application/pem-certificate-chain</c> (RFC 8555 §9.1): the leaf, then the issuers.</summary>
    public string ChainPem { get; }

    /// <summary>The certificate's private key, PKCS#8 PEM ("PRIVATE KEY"). Secret: store it sealed, never log it.</summary>
    public string PrivateKeyPem { get; }

    /// <summary>The leaf certificate, with its private key.</summary>
    public X509Certificate2 Leaf { get; }

    public AcmeKeyType KeyType { get; }

    /// <summary>Where the CA serves the certificate (RFC 8555 §7.4.2).</summary>
    public Uri CertificateUrl { get; }

    public void Dispose() => Leaf.Dispose();

    public override string ToString() => $"AcmeIssuedCertificate({Leaf.Subject}, {KeyType}, not after {Leaf.NotAfter:u})";
}
