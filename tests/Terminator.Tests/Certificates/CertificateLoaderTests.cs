using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;
using Xunit.Abstractions;

namespace Terminator.Tests.Certificates;

// Linux-only: file modes and CipherSuitesPolicy (OpenSSL) are what the terminator runs on.
[SupportedOSPlatform("linux")]
public sealed class CertificateLoaderTests : IClassFixture<CertificateCorpusFixture>, IDisposable
{
    private readonly CertificateCorpusFixture _corpus;
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _scratch = new("certs-scratch");

    public CertificateLoaderTests(CertificateCorpusFixture corpus, ITestOutputHelper output)
    {
        _corpus = corpus;
        _output = output;
    }

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void LoadDirectory_ThousandCertificatesInAllLayouts_LoadsEveryOneWithoutErrors()
    {
        _output.WriteLine($"generated+written {CertificateCorpusFixture.CertificateCount} certs in {_corpus.GenerateElapsed.TotalMilliseconds:F0} ms; " +
            $"LoadDirectory took {_corpus.LoadElapsed.TotalMilliseconds:F0} ms on {Environment.ProcessorCount} cores");
        Assert.Empty(_corpus.Result.Errors);
        Assert.Empty(_corpus.Result.Warnings);
        Assert.Equal(CertificateCorpusFixture.CertificateCount, _corpus.Result.Entries.Count);
        Assert.Equal(_corpus.ExpectedNameCount, _corpus.Map.Count);
        for (var i = 1; i < _corpus.Result.Entries.Count; i++)
        {
            Assert.True(_corpus.Result.Entries[i - 1].NotAfter <= _corpus.Result.Entries[i].NotAfter);
        }
    }

    [Fact]
    public void LoadDirectory_ThousandCertificates_EveryNameResolvesToTheCertificateWithThatSan()
    {
        for (var i = 0; i < _corpus.Expected.Count; i++)
        {
            var names = _corpus.Expected[i];
            foreach (var name in names)
            {
                var host = name.StartsWith("*.", StringComparison.Ordinal) ? "anything" + name[1..] : name;
                Assert.True(_corpus.Map.TryGet(host, out var entry), host);
                Assert.Equal(names[0], CertificateTestHelpers.CommonName(entry));
                Assert.Equal(names, entry.Names);
            }

            Assert.False(_corpus.Map.TryGet($"other.host{i}.tenant{i}.test", out _));
        }
    }

    [Fact]
    public void LoadDirectory_Entries_HaveKeyContextOptionsAndMetadata()
    {
        foreach (var entry in _corpus.Result.Entries)
        {
            Assert.True(entry.Certificate.HasPrivateKey);
            Assert.Equal("ECDSA P-256", entry.KeyAlgorithm);
            Assert.Same(entry.Context, entry.ServerOptions.ServerCertificateContext);
            Assert.True(File.Exists(entry.Source), entry.Source);
            Assert.True(entry.NotBefore < DateTimeOffset.UtcNow && entry.NotAfter > DateTimeOffset.UtcNow.AddDays(80));
        }

        // Only fullchain.pem is loaded from certbot folders, never cert.pem/chain.pem/privkey.pem.
        Assert.DoesNotContain(_corpus.Result.Entries, e => Path.GetFileName(e.Source) is "cert.pem" or "privkey.pem" or "chain.pem");
    }

    [Fact]
    public void LoadDirectory_BrokenFiles_ReportedWithPathAndSkipped()
    {
        var good = _corpus.Authority.Issue(["good.test"]);
        var other = _corpus.Authority.Issue(["other.test"]);
        good.WriteFlat(_scratch.FullName, "good");
        File.WriteAllText(Path.Combine(_scratch.FullName, "garbage.pem"), "this is not PEM at all\n\x01\x02");
        File.WriteAllText(Path.Combine(_scratch.FullName, "empty.pem"), string.Empty);
        File.WriteAllText(Path.Combine(_scratch.FullName, "truncated.pem"), good.ChainPem[..(good.ChainPem.Length / 2)]);
        File.WriteAllText(Path.Combine(_scratch.FullName, "nokey.crt"), good.ChainPem);
        File.WriteAllText(Path.Combine(_scratch.FullName, "mismatch.crt"), good.ChainPem);
        File.WriteAllText(Path.Combine(_scratch.FullName, "mismatch.key"), other.PrivateKeyPem);
        File.WriteAllText(Path.Combine(_scratch.FullName, "orphan.key"), other.PrivateKeyPem);
        File.WriteAllText(Path.Combine(_scratch.FullName, "corrupt.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" + other.PrivateKeyPem);
        File.WriteAllText(Path.Combine(_scratch.FullName, "nosan.pem"), SelfSignedWithoutSan());

        var result = CertificateLoader.LoadDirectory(_scratch.FullName);

        var entry = Assert.Single(result.Entries);
        Assert.Equal(["good.test"], entry.Names);
        AssertError(result, "garbage.pem", "no certificate");
        AssertError(result, "empty.pem", "empty");
        AssertError(result, "truncated.pem", "no certificate");
        AssertError(result, "nokey.crt", "no private key");
        AssertError(result, "mismatch.crt", "does not match");
        AssertError(result, "orphan.key", "without a certificate");
        AssertError(result, "corrupt.pem", "malformed certificate");
        AssertError(result, "nosan.pem", "no SAN DNS names");
        Assert.Equal(8, result.Errors.Count);
        foreach (var error in result.Errors)
        {
            Assert.DoesNotContain("PRIVATE KEY", error.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void LoadDirectory_NothingUsable_ReturnsErrorsOnly()
    {
        File.WriteAllText(Path.Combine(_scratch.FullName, "a.pem"), "garbage");
        File.WriteAllText(Path.Combine(_scratch.FullName, "b.crt"), _corpus.Authority.Issue(["b.test"]).ChainPem);

        var result = CertificateLoader.LoadDirectory(_scratch.FullName);

        Assert.Empty(result.Entries);
        Assert.Equal(2, result.Errors.Count);
    }

    [Fact]
    public void LoadDirectory_MissingDirectory_ReportsErrorWithoutThrowing()
    {
        var missing = Path.Combine(_scratch.FullName, "does-not-exist");
        var result = CertificateLoader.LoadDirectory(missing);
        Assert.Empty(result.Entries);
        Assert.Equal(missing, Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void LoadDirectory_ExpiredCertificate_LoadedAndWarned()
    {
        var now = DateTimeOffset.UtcNow;
        _corpus.Authority.Issue(["old.test"], CertificateKeyType.EcdsaP256, now.AddDays(-30), now.AddDays(-1)).WriteFlat(_scratch.FullName, "old");

        var result = CertificateLoader.LoadDirectory(_scratch.FullName);

        Assert.Empty(result.Errors);
        Assert.True(Assert.Single(result.Entries).IsExpiredAt(now));
        var warning = Assert.Single(result.Warnings);
        Assert.EndsWith("old.crt", warning.Path, StringComparison.Ordinal);
        Assert.Contains("expired", warning.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_DuplicateNames_NewestValidWinsRegardlessOfFileOrder()
    {
        // "a-new" sorts first, so plain file order would let "z-old" overwrite it; "z-old" also expires later, so this
        // pins the rule to "latest NotBefore" (newest issuance), not "latest NotAfter".
        var now = DateTimeOffset.UtcNow;
        _corpus.Authority.Issue(["dup.test", "new-only.test"], CertificateKeyType.EcdsaP256, now.AddDays(-1), now.AddDays(30)).WriteFlat(_scratch.FullName, "a-new");
        _corpus.Authority.Issue(["dup.test"], CertificateKeyType.EcdsaP256, now.AddDays(-2), now.AddDays(60)).WriteFlat(_scratch.FullName, "z-old");
        var result = CertificateLoader.LoadDirectory(_scratch.FullName);
        var map = new CertificateMap();

        map.SetAll([result.Entries[1], result.Entries[0]]);
        Assert.True(map.TryGet("dup.test", out var winner));
        Assert.EndsWith("a-new.crt", winner.Source, StringComparison.Ordinal);

        // Applying Entries in their documented order gives the same winner.
        var inOrder = new CertificateMap();
        foreach (var entry in result.Entries)
        {
            inOrder.Set(entry);
        }

        Assert.True(inOrder.TryGet("dup.test", out var sameWinner));
        Assert.Same(winner, sameWinner);
    }

    [Fact]
    public void LoadDirectory_WorldReadableKey_Warned()
    {
        _corpus.Authority.Issue(["open.test"]).WriteFlat(_scratch.FullName, "open");
        var keyPath = Path.Combine(_scratch.FullName, "open.key");
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var result = CertificateLoader.LoadDirectory(_scratch.FullName);

        Assert.Single(result.Entries);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(keyPath, warning.Path);
        Assert.Contains("644", warning.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_CombinedAndFlat_LoadAndRsaIsDescribed()
    {
        var rsa = _corpus.Authority.Issue(["rsa.test"], CertificateKeyType.Rsa2048);
        rsa.WriteCombined(Path.Combine(_scratch.FullName, "rsa.pem"));
        _corpus.Authority.Issue(["flat.test"]).WriteFlat(_scratch.FullName, "flat");

        var combined = CertificateLoader.LoadFile(Path.Combine(_scratch.FullName, "rsa.pem"));
        var flat = CertificateLoader.LoadFile(Path.Combine(_scratch.FullName, "flat.crt"));

        Assert.Equal("RSA 2048", combined.KeyAlgorithm);
        Assert.Equal(["rsa.test"], combined.Names);
        Assert.Equal("ECDSA P-256", flat.KeyAlgorithm);
        Assert.Equal(Path.Combine(_scratch.FullName, "flat.crt"), flat.Source);
    }

    [Fact]
    public void LoadPem_KeyFirstAndMixedCaseSan_PicksLeafByKeyAndLowerCasesNames()
    {
        var issued = _corpus.Authority.Issue(["Mixed.Example.TEST", "*.Wild.Example.test"]);
        var entry = CertificateLoader.LoadPem(_corpus.Authority.CertificatePem + issued.CertificatePem, issued.PrivateKeyPem, "mem");
        Assert.Equal(["mixed.example.test", "*.wild.example.test"], entry.Names);
        Assert.Equal("Mixed.Example.TEST", CertificateTestHelpers.CommonName(entry));
        Assert.Single(entry.Intermediates);
    }

    [Fact]
    public void LoadPem_LeafNotFirstAndKeyOfAnotherCertificate_RefusedAsMismatch()
    {
        // The leaf is tried first by CopyWithPrivateKey; when that refuses, every certificate is searched, and a key
        // that matches none is still the "does not match" error, never an exception of the runtime's.
        var issued = _corpus.Authority.Issue(["notfirst.test"]);
        var otherKey = _corpus.Authority.Issue(["other.test"]).PrivateKeyPem;

        var ex = Assert.Throws<CertificateLoadException>(() =>
            CertificateLoader.LoadPem(_corpus.Authority.CertificatePem + issued.CertificatePem, otherKey, "src"));

        Assert.Contains("does not match", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPem_BlocksGluedWithoutNewline_StillLoads()
    {
        var issued = _corpus.Authority.Issue(["glued.test"]);
        var glued = issued.ChainPem.TrimEnd('\n') + issued.PrivateKeyPem;
        var entry = CertificateLoader.LoadPem(glued, glued, "glued");
        Assert.Equal(["glued.test"], entry.Names);
    }

    [Theory]
    [InlineData("mismatch", "does not match")]
    [InlineData("nokey", "no private key")]
    [InlineData("encrypted", "encrypted")]
    [InlineData("badkey", "malformed")]
    public void LoadPem_BadKey_ThrowsWithReasonAndSource(string kind, string reason)
    {
        var issued = _corpus.Authority.Issue(["k.test"]);
        var keyPem = kind switch
        {
            "mismatch" => _corpus.Authority.Issue(["x.test"]).PrivateKeyPem,
            "nokey" => string.Empty,
            "encrypted" => "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
            _ => "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        };

        var ex = Assert.Throws<CertificateLoadException>(() => CertificateLoader.LoadPem(issued.ChainPem, keyPem, "src"));

        Assert.Equal("src", ex.Path);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    private static void AssertError(CertificateDirectoryLoadResult result, string fileName, string reason)
    {
        var error = Assert.Single(result.Errors, e => Path.GetFileName(e.Path) == fileName);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    private static string SelfSignedWithoutSan()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=nosan.test", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n";
    }
}
