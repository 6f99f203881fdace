using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.Certificates;

namespace Terminator.Tests.Certificates;

/// <summary>The ECDSA key is attached without the runtime's public-key import, and the match still refuses every key
/// the runtime's CopyWithPrivateKey refuses.</summary>
public sealed class EcdsaKeyAttacherTests
{
    /// <summary>Fails when a runtime update moves X509Certificate2.Pal, its CopyWithPrivateKey(ECDsa) or the internal
    /// constructor: keys are then attached by the public CopyWithPrivateKey, which imports the certificate's public key
    /// first (~100-150 µs of every name's first handshake in the daemon).</summary>
    [Fact]
    public void AttachesWithoutThePublicKeyImport()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 certificate = PublicOnly(key, "attach.test");

        using X509Certificate2 withKey = EcdsaKeyAttacher.Attach(certificate, key);

        Assert.True(EcdsaKeyAttacher.AttachesDirectly, "the runtime's X509Certificate2.Pal, CopyWithPrivateKey(ECDsa) or X509Certificate2(ICertificatePal) is gone");
        Assert.True(withKey.HasPrivateKey);
        Assert.Equal(certificate.RawData, withKey.RawData);
        byte[] data = [1, 2, 3, 4];
        using ECDsa attached = withKey.GetECDsaPrivateKey()!;
        using ECDsa publicKey = certificate.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData(data, attached.SignData(data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));
    }

    [Fact]
    public void AnotherKeyOnTheSameCurve_IsRefusedLikeTheRuntime()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using ECDsa other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 certificate = PublicOnly(key, "other.test");

        Assert.Throws<ArgumentException>(() => certificate.CopyWithPrivateKey(other));
        Assert.Throws<ArgumentException>(() => EcdsaKeyAttacher.Attach(certificate, other));
    }

    [Fact]
    public void AKeyOnAnotherCurve_IsRefused()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using ECDsa other = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using X509Certificate2 certificate = PublicOnly(key, "curve.test");

        Assert.Throws<ArgumentException>(() => EcdsaKeyAttacher.Attach(certificate, other));
    }

    [Fact]
    public void ACertificateThatHasAKey_IsRefusedLikeTheRuntime()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 withKey = new CertificateRequest("CN=has-key.test", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        Assert.Throws<InvalidOperationException>(() => EcdsaKeyAttacher.Attach(withKey, key));
    }

    private static X509Certificate2 PublicOnly(ECDsa key, string name)
    {
        using X509Certificate2 withKey = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadCertificate(withKey.RawData);
    }
}
