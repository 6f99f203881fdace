using System.Security.Cryptography.X509Certificates;
using Terminator.Certificates;
using Terminator.Samples.Certificates;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// One throwaway CA and 1,000 leaf certificates (ECDSA P-256) shared by the end-to-end tests: "site0000.tracking.test"
/// .. "site0999.tracking.test", plus a wildcard "*.wild.test" and a default certificate.
/// </summary>
public sealed class CertificateAuthorityFixture : IDisposable
{
    public const int SiteCount = 1000;

    public CertificateAuthorityFixture()
    {
        Authority = LocalCertificateAuthority.Create("Terminator Test CA");
        Root = X509Certificate2.CreateFromPem(Authority.CertificatePem);
        var entries = new CertificateEntry[SiteCount];
        Parallel.For(0, SiteCount, i =>
        {
            IssuedCertificate issued = Authority.Issue([SiteName(i)]);
            entries[i] = CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, $"test:{i}");
        });
        foreach (CertificateEntry entry in entries)
        {
            Certificates.Set(entry);
        }

        IssuedCertificate wildcard = Authority.Issue(["*.wild.test"]);
        Certificates.Set(CertificateLoader.LoadPem(wildcard.ChainPem, wildcard.PrivateKeyPem, "test:wildcard"));
        IssuedCertificate fallback = Authority.Issue(["default.test"]);
        DefaultCertificate = CertificateLoader.LoadPem(fallback.ChainPem, fallback.PrivateKeyPem, "test:default");
    }

    public LocalCertificateAuthority Authority { get; }
    public X509Certificate2 Root { get; }
    internal CertificateMap Certificates { get; } = new();
    internal CertificateEntry DefaultCertificate { get; }

    public static string SiteName(int i) => $"site{i:D4}.tracking.test";

    public void Dispose() => Authority.Dispose();
}

[CollectionDefinition(Name)]
public sealed class EndToEndTests : ICollectionFixture<CertificateAuthorityFixture>
{
    public const string Name = "end-to-end";
}
