using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Terminator.Acme;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Acme;

/// <summary>The extra CA roots widen the chain's anchor for the directory's HTTPS, and nothing else.</summary>
public sealed class AcmeServerTrustTests : IDisposable
{
    private readonly TempDirectory _folder = new("acme-trust");
    private readonly LocalCertificateAuthority _extra = LocalCertificateAuthority.Create("Extra ACME root");
    private readonly LocalCertificateAuthority _stranger = LocalCertificateAuthority.Create("Unrelated root");

    [Fact]
    public void Validate_ChainErrorsButSignedByTheExtraRoot_Accepts()
    {
        using AcmeServerTrust trust = Trust();
        using X509Certificate2 leaf = X509Certificate2.CreateFromPem(_extra.Issue(["ca.acme.test"]).CertificatePem);

        Assert.True(trust.Validate(this, leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void Validate_SignedByAnotherRoot_Refuses()
    {
        using AcmeServerTrust trust = Trust();
        using X509Certificate2 leaf = X509Certificate2.CreateFromPem(_stranger.Issue(["ca.acme.test"]).CertificatePem);

        Assert.False(trust.Validate(this, leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void Validate_NameMismatch_IsNeverRescued()
    {
        using AcmeServerTrust trust = Trust();
        using X509Certificate2 leaf = X509Certificate2.CreateFromPem(_extra.Issue(["other.acme.test"]).CertificatePem);

        Assert.False(trust.Validate(this, leaf, null, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void Validate_SystemTrusted_Accepts()
    {
        using AcmeServerTrust trust = Trust();
        Assert.True(trust.Validate(this, null, null, SslPolicyErrors.None));
    }

    [Fact]
    public void FromPemFile_NoCertificate_NamesTheFile()
    {
        string path = Path.Combine(_folder.FullName, "empty.pem");
        File.WriteAllText(path, "nothing here\n");

        ArgumentException error = Assert.Throws<ArgumentException>(() => AcmeServerTrust.FromPemFile(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    private AcmeServerTrust Trust()
    {
        string path = Path.Combine(_folder.FullName, "extra.pem");
        File.WriteAllText(path, _extra.CertificatePem);
        return AcmeServerTrust.FromPemFile(path);
    }

    public void Dispose()
    {
        _extra.Dispose();
        _stranger.Dispose();
        _folder.Dispose();
    }
}
