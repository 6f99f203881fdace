using Terminator.Certificates;
using Terminator.Samples.Certificates;

namespace Terminator.Tests.Certificates;

/// <summary>When an entry staples and when it stays offline; none of these contact a responder.</summary>
public sealed class CertificateEntryOcspTests
{
    // Nothing listens here; the tests below must never get as far as asking.
    private static readonly Uri UnusedResponder = new("http://127.0.0.1:9/");

    [Fact]
    public void OcspResponder_ReadFromAia_OnlyWhenPresent()
    {
        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("AIA CA");
        IssuedCertificate with = authority.Issue(["with.test"], ocspResponder: UnusedResponder);
        IssuedCertificate without = authority.Issue(["without.test"]);

        Assert.Equal("http://127.0.0.1:9/", CertificateLoader.LoadPem(with.ChainPem, with.PrivateKeyPem, "with").OcspResponder);
        Assert.Null(CertificateLoader.LoadPem(without.ChainPem, without.PrivateKeyPem, "without").OcspResponder);
    }

    [Fact]
    public void EnableOcspStapling_NoResponder_StaysOfflineAndLazy()
    {
        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("No AIA CA");
        IssuedCertificate issued = authority.Issue(["plain.test"]);
        CertificateEntry entry = CertificateLoader.LoadPem(issued.ChainPem + authority.CertificatePem, issued.PrivateKeyPem, "plain");

        Assert.Equal(OcspStaplingState.NoResponder, entry.EnableOcspStapling());
        Assert.False(entry.IsMaterialized);
        Assert.Null(entry.OcspStaplingProblem);
    }

    [Fact]
    public void EnableOcspStapling_ChainWithoutRoot_IncompleteChainAndNoContextBuilt()
    {
        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("Untrusted CA");
        IssuedCertificate issued = authority.Issue(["partial.test"], ocspResponder: UnusedResponder);
        // fullchain.pem style (no root), and this root is not in the system trust store: the chain stops at the leaf.
        CertificateEntry entry = CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "partial");

        Assert.Equal(OcspStaplingState.IncompleteChain, entry.EnableOcspStapling());
        Assert.False(entry.IsMaterialized);
        Assert.Contains("http://127.0.0.1:9/", entry.OcspStaplingProblem, StringComparison.Ordinal);
        Assert.Contains("does not reach a root", entry.OcspStaplingProblem, StringComparison.Ordinal);
    }

    [Fact]
    public void CertificateMap_WithoutStapling_LeavesEntriesUntouched()
    {
        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("Map CA");
        IssuedCertificate issued = authority.Issue(["map.test"], ocspResponder: UnusedResponder);
        CertificateEntry entry = CertificateLoader.LoadPem(issued.ChainPem + authority.CertificatePem, issued.PrivateKeyPem, "map");
        var map = new CertificateMap();

        map.Set(entry);

        Assert.False(map.OcspStapling);
        Assert.Equal(OcspStaplingState.NotRequested, entry.OcspStapling);
        Assert.False(entry.IsMaterialized);
    }
}
