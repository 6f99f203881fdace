using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Certificates;

// Linux-only: file modes and CipherSuitesPolicy (OpenSSL) are what the terminator runs on.
[SupportedOSPlatform("linux")]
public sealed class LocalCertificateAuthorityTests
{
    [Fact]
    public void Load_PersistedPem_IssuesCertificatesThatChainToTheSameRoot()
    {
        using var original = LocalCertificateAuthority.Create("Persisted Root");
        using var reloaded = LocalCertificateAuthority.Load(original.CertificatePem, original.ExportPrivateKeyPem());

        var issued = reloaded.Issue(["a.test", "*.a.test"]);
        using var leaf = X509Certificate2.CreateFromPem(issued.CertificatePem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(original.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

        Assert.True(chain.Build(leaf));
        Assert.Equal("a.test", leaf.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Contains("-----BEGIN PRIVATE KEY-----", original.ExportPrivateKeyPem(), StringComparison.Ordinal);
        Assert.Equal(issued.CertificatePem, issued.ChainPem);
        Assert.True(leaf.NotAfter <= original.Certificate.NotAfter);
    }

    [Fact]
    public void Issue_WriteHelpers_KeyFilesAreOwnerOnly()
    {
        using var authority = LocalCertificateAuthority.Create("Files Root");
        var issued = authority.Issue(["files.test"]);
        using var temp = new TempDirectory("ca");
        var directory = temp.FullName;
        issued.WriteFlat(directory, "flat");
        issued.WriteCertbot(Path.Combine(directory, "live"), "files.test");
        issued.WriteCombined(Path.Combine(directory, "combined.pem"));

        foreach (var key in new[] { "flat.key", "live/files.test/privkey.pem", "combined.pem" })
        {
            var mode = File.GetUnixFileMode(Path.Combine(directory, key));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        }

        Assert.Equal(string.Empty, File.ReadAllText(Path.Combine(directory, "live/files.test/chain.pem")));
        Assert.Equal(3, CertificateLoader.LoadDirectory(directory).Entries.Count);
    }
}
