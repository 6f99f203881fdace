using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Samples.Certificates;
using Terminator.Storage;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Storage;

public sealed class DirectoryCertificateStoreTests : IDisposable
{
    private readonly StoreTestContext _ctx = new();

    public void Dispose() => _ctx.Dispose();

    [Fact]
    public async Task Put_ThenServe_RoundTripsChainKeyAndMetadata()
    {
        (CertificateEntry original, _) = _ctx.Issue(["click.shop.example", "email.shop.example"]);
        StoredCertificateInfo info = await _ctx.Store.PutAsync(original);

        Assert.Equal(CertificateStoreId.For(original), info.Id);
        Assert.StartsWith("click.shop.example.ecdsa.", info.Id, StringComparison.Ordinal);
        // Read back the way the daemon reads it: the watcher's index entry, materialised as a handshake would.
        (CertificateMap served, CertificateReloadResult result) = await _ctx.ServeAsync();
        Assert.Equal(1, result.Added);
        Assert.True(served.TryGet("email.shop.example"u8, out CertificateEntry? loaded));
        Assert.Equal(info.Location, loaded.Source);
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
        (CertificateMap served, CertificateReloadResult result) = await _ctx.ServeAsync();
        Assert.Equal(2, result.Added);
        Assert.True(served.TryGet("both.example"u8, clientAcceptsEcdsa: false, out CertificateEntry? forRsaClients));
        Assert.Equal("RSA 2048", forRsaClients.KeyAlgorithm);
        Assert.True(forRsaClients.Certificate.HasPrivateKey);
        Assert.True(served.TryGet("both.example"u8, clientAcceptsEcdsa: true, out CertificateEntry? forEcdsaClients));
        Assert.Equal(ecInfo.Location, forEcdsaClients.Source);
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
        Assert.Single(Directory.GetFiles(_ctx.StoreDirectory, "*", SearchOption.AllDirectories), f => !f.EndsWith(StoreIndexFile.FileName, StringComparison.Ordinal)); // no temp file left
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
        Assert.False(File.Exists(info.Location));
        Assert.Empty((await _ctx.Store.ListAsync()).Entries);
        (CertificateMap served, _) = await _ctx.ServeAsync();
        Assert.False(served.TryGet("gone.example"u8, out _));
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
    public async Task WrongKey_DaemonRefusesToStartNamingTheKey_ListSaysKeyDecryptsNothing()
    {
        await _ctx.PutAsync("a.example");
        await _ctx.PutAsync("b.example");
        using StoreKey other = StoreKey.Generate();
        var wrong = new DirectoryCertificateStore(_ctx.StoreDirectory, other);

        (CertificateMap served, CertificateReloadResult result) = await _ctx.ServeAsync(wrong);
        Assert.Equal(0, result.Added);
        Assert.Equal(0, served.Count);
        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e =>
        {
            Assert.True(e.AuthenticationFailed);
            Assert.Contains("different key than TERMINATOR_STORE_KEY", e.Reason, StringComparison.Ordinal);
        });

        // The daemon's own start-up decision over that result: one line naming the key, exit 2.
        (Terminator.Daemon.CertificateSources? sources, string? fatal) = await OpenLikeTheDaemonAsync(other);
        Assert.Null(sources);
        Assert.Equal($"TERMINATOR_STORE_KEY does not decrypt the store at {_ctx.Store.Directory} (2 entries fail authentication; wrong key?)", fatal);
        (sources, fatal) = await OpenLikeTheDaemonAsync(_ctx.Key);
        Assert.Null(fatal);
        await sources!.DisposeAsync();

        Assert.True((await wrong.ListAsync()).KeyDecryptsNothing);
        Assert.False((await _ctx.Store.ListAsync()).KeyDecryptsNothing);
    }

    [Fact]
    public async Task OneGoodOneTorn_ServesGoodReportsTornWithPath()
    {
        await _ctx.PutAsync("good.example");
        (StoredCertificateInfo torn, _) = await _ctx.PutAsync("torn.example");
        byte[] file = await File.ReadAllBytesAsync(torn.Location);
        await File.WriteAllBytesAsync(torn.Location, file[..(file.Length / 2)]);

        (CertificateMap served, CertificateReloadResult result) = await _ctx.ServeAsync();

        Assert.Equal(1, result.Added);
        Assert.True(served.TryGet("good.example"u8, out _));
        Assert.False(served.TryGet("torn.example"u8, out _));
        CertificateLoadError problem = Assert.Single(result.Errors);
        Assert.Equal(torn.Location, problem.Path);
        Assert.Contains("truncated", problem.Reason, StringComparison.Ordinal);
        Assert.False(problem.AuthenticationFailed);
        Assert.False((await _ctx.Store.ListAsync()).KeyDecryptsNothing);
    }

    [Fact]
    public async Task TamperedEntry_ReportedWithPathAndReason_NeverServed()
    {
        (StoredCertificateInfo info, _) = await _ctx.PutAsync("tampered.example");
        byte[] file = await File.ReadAllBytesAsync(info.Location);
        file[^1] ^= 0x01;
        await File.WriteAllBytesAsync(info.Location, file);

        (CertificateMap served, CertificateReloadResult result) = await _ctx.ServeAsync();

        Assert.False(served.TryGet("tampered.example"u8, out _));
        CertificateLoadError problem = Assert.Single(result.Errors);
        Assert.Equal(info.Location, problem.Path);
        Assert.True(problem.AuthenticationFailed);
        Assert.Contains("authentication failed", problem.Reason, StringComparison.Ordinal);
    }

    private Task<(Terminator.Daemon.CertificateSources? Sources, string? Fatal)> OpenLikeTheDaemonAsync(StoreKey key) =>
        Terminator.Daemon.CertificateSources.OpenAsync(
            TerminatorOptions.Default with { StoreKey = key, StoreDirectory = _ctx.StoreDirectory, CertDirectory = null },
            new CertificateMap(), TerminatorLog.Silent);

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
        await Assert.ThrowsAsync<ArgumentException>(() => _ctx.Store.RemoveAsync(id).AsTask());
        Assert.Throws<ArgumentException>(() => _ctx.Store.PathFor(id));
    }
}
