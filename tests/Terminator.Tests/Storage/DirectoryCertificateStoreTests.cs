using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Samples.Certificates;
using Terminator.Storage;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Storage;

public sealed class DirectoryCertificateStoreTests : IDisposable
{
    private readonly StoreTestContext _ctx = new();

    public void Dispose() => _ctx.Dispose();

    [Fact]
    public async Task Put_ThenLoad_RoundTripsChainKeyAndMetadata()
    {
        (CertificateEntry original, _) = _ctx.Issue(["click.shop.example", "email.shop.example"]);
        StoredCertificateInfo info = await _ctx.Store.PutAsync(original);

        Assert.Equal(CertificateStoreId.For(original), info.Id);
        Assert.StartsWith("click.shop.example.ecdsa.", info.Id, StringComparison.Ordinal);
        CertificateEntry? loaded = await _ctx.Store.LoadAsync(info.Id);
        Assert.NotNull(loaded);
        Assert.Equal(original.Certificate.Thumbprint, loaded.Certificate.Thumbprint);
        Assert.True(loaded.Certificate.HasPrivateKey);
        Assert.Equal(original.Names, loaded.Names);
        Assert.Equal(original.NotAfter, loaded.NotAfter);
        Assert.Equal(original.Intermediates.Count, loaded.Intermediates.Count);

        // The loaded key really is the original key: a signature verifies under the certificate's public key.
        byte[] data = Encoding.ASCII.GetBytes("proof");
        using ECDsa key = loaded.Certificate.GetECDsaPrivateKey()!;
        using ECDsa publicKey = original.Certificate.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData(data, key.SignData(data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));

        CertificateStoreListing listing = await _ctx.Store.ListAsync();
        StoredCertificateInfo listed = Assert.Single(listing.Entries);
        Assert.Empty(listing.Problems);
        Assert.Equal(["click.shop.example", "email.shop.example"], listed.Names);
        Assert.Equal("ECDSA P-256", listed.KeyType);
        Assert.Equal(original.NotBefore.ToUnixTimeMilliseconds(), listed.NotBefore.ToUnixTimeMilliseconds());
        Assert.Equal(_ctx.Store.PathFor(info.Id), listed.Location);
    }

    [Fact]
    public async Task Put_Rsa_RoundTripsAndGetsItsOwnId()
    {
        (CertificateEntry ecdsa, _) = _ctx.Issue(["both.example"]);
        (CertificateEntry rsa, _) = _ctx.Issue(["both.example"], CertificateKeyType.Rsa2048);
        StoredCertificateInfo ecInfo = await _ctx.Store.PutAsync(ecdsa);
        StoredCertificateInfo rsaInfo = await _ctx.Store.PutAsync(rsa);

        Assert.NotEqual(ecInfo.Id, rsaInfo.Id);
        CertificateStoreLoadResult all = await _ctx.Store.LoadAllAsync();
        Assert.Equal(2, all.Entries.Count);
        Assert.Contains(all.Entries, e => e.KeyAlgorithm == "RSA 2048" && e.Certificate.HasPrivateKey);
    }

    [Fact]
    public async Task Put_SameNamesAgain_ReplacesKeepsCreatedAndUsesFreshNonce()
    {
        (StoredCertificateInfo first, _) = await _ctx.PutAsync("renew.example");
        byte[] before = await File.ReadAllBytesAsync(first.Location);
        // Timestamps are stored to the millisecond: let the clock leave first.Updated's millisecond before the second put.
        Assert.True(await Eventually.TrueAsync(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > first.Updated.ToUnixTimeMilliseconds()));
        (StoredCertificateInfo second, _) = await _ctx.PutAsync("renew.example");
        byte[] after = await File.ReadAllBytesAsync(second.Location);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.Created, second.Created);
        Assert.True(second.Updated > first.Updated);
        Assert.Single(Directory.GetFiles(_ctx.StoreDirectory, "*", SearchOption.AllDirectories)); // no temp file left
        var (_, _, nonceA, _, _) = StoreTestContext.Layout(before);
        var (_, _, nonceB, _, _) = StoreTestContext.Layout(after);
        Assert.False(before.AsSpan(nonceA, 12).SequenceEqual(after.AsSpan(nonceB, 12)));
    }

    [Fact]
    public async Task Put_SameEntryTwice_NonceDiffersPerWrite()
    {
        (CertificateEntry entry, _) = _ctx.Issue(["nonce.example"]);
        var nonces = new HashSet<string>();
        for (int i = 0; i < 5; i++)
        {
            StoredCertificateInfo info = await _ctx.Store.PutAsync(entry);
            byte[] file = await File.ReadAllBytesAsync(info.Location);
            var (_, _, nonce, _, _) = StoreTestContext.Layout(file);
            Assert.True(nonces.Add(Convert.ToHexString(file, nonce, 12)));
        }
    }

    [Fact]
    public async Task Remove_ExistingThenMissing_TrueThenFalse()
    {
        (StoredCertificateInfo info, _) = await _ctx.PutAsync("gone.example");

        Assert.True(await _ctx.Store.RemoveAsync(info.Id));
        Assert.False(await _ctx.Store.RemoveAsync(info.Id));
        Assert.Null(await _ctx.Store.LoadAsync(info.Id));
        Assert.Empty((await _ctx.Store.ListAsync()).Entries);
    }

    [Fact]
    public void Constructor_MissingDirectory_CreatedOwnerOnly()
    {
        string nested = Path.Combine(_ctx.Directory, "fresh", "store");
        _ = new DirectoryCertificateStore(nested, _ctx.Key);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(nested));
    }

    [Fact]
    public async Task RawFile_ContainsNoPrivateKeyPemOrBytes_AndIsOwnerOnly()
    {
        (StoredCertificateInfo info, IssuedCertificate issued) = await _ctx.PutAsync("secret.example");
        byte[] file = await File.ReadAllBytesAsync(info.Location);
        using ECDsa key = ECDsa.Create();
        key.ImportFromPem(issued.PrivateKeyPem);
        byte[] pkcs8 = key.ExportPkcs8PrivateKey();
        byte[] scalar = key.ExportParameters(includePrivateParameters: true).D!;

        string text = Encoding.Latin1.GetString(file);
        Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
        Assert.Contains("BEGIN CERTIFICATE", text, StringComparison.Ordinal); // the public chain is in clear, by design
        Assert.Equal(-1, file.AsSpan().IndexOf(pkcs8));
        Assert.Equal(-1, file.AsSpan().IndexOf(scalar));
        Assert.DoesNotContain(Convert.ToBase64String(pkcs8)[..40], text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(info.Location));
    }

    [Fact]
    public async Task LoadAll_WrongKey_EveryEntryFailsAuthentication_KeyDecryptsNothing()
    {
        await _ctx.PutAsync("a.example");
        await _ctx.PutAsync("b.example");
        using StoreKey other = StoreKey.Generate();
        var wrong = new DirectoryCertificateStore(_ctx.StoreDirectory, other);

        CertificateStoreLoadResult result = await wrong.LoadAllAsync();

        Assert.Empty(result.Entries);
        Assert.True(result.KeyDecryptsNothing);
        Assert.Equal(2, result.Problems.Count);
        Assert.All(result.Problems, p => Assert.Contains("different key than TERMINATOR_STORE_KEY", p.Reason, StringComparison.Ordinal));
        Assert.True((await wrong.ListAsync()).KeyDecryptsNothing);
        Assert.False((await _ctx.Store.LoadAllAsync()).KeyDecryptsNothing);
    }

    [Fact]
    public async Task LoadAll_OneGoodOneTorn_ServesGoodReportsTornWithPath()
    {
        await _ctx.PutAsync("good.example");
        (StoredCertificateInfo torn, _) = await _ctx.PutAsync("torn.example");
        byte[] file = await File.ReadAllBytesAsync(torn.Location);
        await File.WriteAllBytesAsync(torn.Location, file[..(file.Length / 2)]);

        CertificateStoreLoadResult result = await _ctx.Store.LoadAllAsync();

        Assert.Equal("good.example", Assert.Single(result.Entries).Names[0]);
        CertificateStoreProblem problem = Assert.Single(result.Problems);
        Assert.Equal(torn.Location, problem.Location);
        Assert.Contains("truncated", problem.Reason, StringComparison.Ordinal);
        Assert.False(result.KeyDecryptsNothing);
    }

    [Fact]
    public async Task LoadAsync_TamperedEntry_ThrowsWithPathAndReason()
    {
        (StoredCertificateInfo info, _) = await _ctx.PutAsync("tampered.example");
        byte[] file = await File.ReadAllBytesAsync(info.Location);
        file[^1] ^= 0x01;
        await File.WriteAllBytesAsync(info.Location, file);

        CertificateLoadException ex = await Assert.ThrowsAsync<CertificateLoadException>(() => _ctx.Store.LoadAsync(info.Id).AsTask());
        Assert.Equal(info.Location, ex.Path);
        Assert.Contains("authentication failed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Store_IgnoresHiddenTempFilesAndOtherExtensions()
    {
        await _ctx.PutAsync("only.example");
        await File.WriteAllTextAsync(Path.Combine(_ctx.StoreDirectory, ".tmp-x.tcert-123"), "half written");
        await File.WriteAllTextAsync(Path.Combine(_ctx.StoreDirectory, "README"), "not an entry");

        CertificateStoreListing listing = await _ctx.Store.ListAsync();

        Assert.Single(listing.Entries);
        Assert.Empty(listing.Problems);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData(".hidden")]
    [InlineData("UPPER")]
    [InlineData("")]
    public async Task Id_Invalid_Rejected(string id)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _ctx.Store.LoadAsync(id).AsTask());
    }
}
