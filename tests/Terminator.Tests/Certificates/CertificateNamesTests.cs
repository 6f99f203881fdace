using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Certificates;

public sealed class CertificateNamesTests
{
    [Theory]
    [InlineData("Example.COM", "example.com")]
    [InlineData("example.com.", "example.com")]
    [InlineData("*.Shop.com", "*.shop.com")]
    [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example")]
    [InlineData("a*.example.com", null)]
    [InlineData("*", null)]
    [InlineData("*.", null)]
    [InlineData("a.*.example.com", null)]
    [InlineData("a..example.com", null)]
    [InlineData(".example.com", null)]
    [InlineData("bad name.com", null)]
    [InlineData("bücher.example", null)]
    [InlineData("", null)]
    public void Normalize_Names_LowerCasesValidAndDropsUnservable(string input, string? expected) =>
        Assert.Equal(expected, CertificateNames.Normalize(input));

    [Fact]
    public void Normalize_LabelOver63OrNameOver253_Dropped()
    {
        Assert.Null(CertificateNames.Normalize(new string('a', 64) + ".test"));
        Assert.NotNull(CertificateNames.Normalize(new string('a', 63) + ".test"));
        var label = new string('a', 63);
        Assert.Null(CertificateNames.Normalize($"{label}.{label}.{label}.{label}.test"));
    }

    [Fact]
    public void LoadDirectory_CertbotRoot_SkipsArchiveAndLoadsLiveOnly()
    {
        using var authority = LocalCertificateAuthority.Create("Scanner Root");
        using var temp = new TempDirectory("certbot");
        var root = temp.FullName;
        var issued = authority.Issue(["scan.test"]);
        issued.WriteCertbot(Path.Combine(root, "live"), "scan.test");
        // certbot's archive holds numbered copies; loading them would only add errors or duplicates.
        Directory.CreateDirectory(Path.Combine(root, "archive", "scan.test"));
        File.WriteAllText(Path.Combine(root, "archive", "scan.test", "fullchain1.pem"), issued.ChainPem);
        File.WriteAllText(Path.Combine(root, "live", "README"), "certbot readme");
        Directory.CreateDirectory(Path.Combine(root, ".hidden"));
        File.WriteAllText(Path.Combine(root, ".hidden", "junk.pem"), "junk");

        var result = CertificateLoader.LoadDirectory(root);

        Assert.Empty(result.Errors);
        var entry = Assert.Single(result.Entries);
        Assert.Equal(Path.Combine(root, "live", "scan.test", "fullchain.pem"), entry.Source);
    }
}
