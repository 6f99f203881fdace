using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Terminator.LoadTest.Scenarios.Churn;

/// <summary>
/// The throwaway CA <c>cert-churn</c> issues from: an ECDSA P-256 root the client trusts, and for each issuance a leaf
/// for one name with a new key and a new random serial, written as one PEM file (certificate, then PKCS#8 key) that
/// <c>terminator certs import</c> reads. Each issuance's NotBefore is one second later than the one before, so the
/// daemon's "newest valid certificate wins" rule makes a renewal take over the moment it is loaded, even while the old
/// entry is still in the store.
/// </summary>
internal sealed class ChurnCertificateAuthority : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _root;
    private readonly DateTimeOffset _firstNotBefore = DateTimeOffset.UtcNow.AddHours(-1);
    private int _issued;

    public ChurnCertificateAuthority()
    {
        var request = new CertificateRequest("CN=Terminator load test cert-churn CA", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>The root, for the client's trust.</summary>
    public X509Certificate2Collection Roots => [X509CertificateLoader.LoadCertificate(_root.RawData)];

    /// <summary>Issues a leaf for <paramref name="name"/> and writes it with its key to <paramref name="path"/> (mode
    /// 600); returns its serial (hex, as the client reads it).</summary>
    public string IssueTo(string name, string path)
    {
        using ECDsa leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        DateTimeOffset notBefore = _firstNotBefore.AddSeconds(Interlocked.Increment(ref _issued));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;   // a positive INTEGER (RFC 5280 §4.1.2.2)
        using X509Certificate2 leaf = request.Create(_root, notBefore, notBefore.AddDays(30), serial);
        var pem = new StringBuilder();
        pem.Append(PemEncoding.Write("CERTIFICATE", leaf.RawData)).Append('\n');
        pem.Append(PemEncoding.Write("PRIVATE KEY", leafKey.ExportPkcs8PrivateKey())).Append('\n');
        File.WriteAllText(path, pem.ToString());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return leaf.SerialNumber;
    }

    public void Dispose()
    {
        _root.Dispose();
        _key.Dispose();
    }
}
