using Terminator.Certificates;
using Terminator.Storage;

namespace Terminator.Tests.Storage;

/// <summary>Nothing but an intact entry under the right key is ever returned: every byte counts.</summary>
public sealed class StoreTamperingTests : IDisposable
{
    private readonly StoreTestContext _ctx = new();

    public void Dispose() => _ctx.Dispose();

    [Fact]
    public async Task FlipAnyByte_EntryIsSkippedWithPathAndReason()
    {
        (StoredCertificateInfo info, _) = await _ctx.PutAsync("flip.example", "www.flip.example");
        byte[] original = await File.ReadAllBytesAsync(info.Location);
        var (header, headerLength, nonce, tag, ciphertext) = StoreTestContext.Layout(original);
        var authenticationFailures = new HashSet<string>();

        // Every single byte: magic, version, lengths, id, names, times, chain hash, chain, nonce, tag, ciphertext.
        for (int i = 0; i < original.Length; i++)
        {
            byte[] tampered = (byte[])original.Clone();
            tampered[i] ^= 0x20;
            await File.WriteAllBytesAsync(info.Location, tampered);

            CertificateStoreListing listing = await _ctx.Store.ListAsync();

            Assert.True(listing.Entries.Count == 0, $"byte {i} flipped, entry still returned");
            CertificateStoreProblem problem = Assert.Single(listing.Problems);
            Assert.Equal(info.Location, problem.Location);
            Assert.False(string.IsNullOrWhiteSpace(problem.Reason));
            if (problem.AuthenticationFailed)
            {
                authenticationFailures.Add(Region(i));
            }
        }

        // Names, chain, nonce, tag and ciphertext are each caught by AES-GCM itself, not by framing checks.
        Assert.Superset(new HashSet<string> { "header", "nonce", "tag", "ciphertext" }, authenticationFailures);

        string Region(int i) => i < header ? "prefix" : i < header + headerLength ? "header" : i < tag ? "nonce" : i < ciphertext - 4 ? "tag" : i < ciphertext ? "length" : "ciphertext";
        _ = nonce;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(14)]
    [InlineData(100)]
    [InlineData(-1)]
    [InlineData(-17)]
    public async Task Truncated_EntryIsSkippedAsTorn(int keep)
    {
        (StoredCertificateInfo info, _) = await _ctx.PutAsync("torn.example");
        byte[] file = await File.ReadAllBytesAsync(info.Location);
        await File.WriteAllBytesAsync(info.Location, file[..(keep >= 0 ? keep : file.Length + keep)]);

        (CertificateMap served, CertificateReloadResult result) = await _ctx.ServeAsync();

        Assert.Equal(0, served.Count);
        CertificateLoadError problem = Assert.Single(result.Errors);
        Assert.Equal(info.Location, problem.Path);
        Assert.Matches("truncated|empty file", problem.Reason);
        Assert.Matches("truncated|empty file", Assert.Single((await _ctx.Store.ListAsync()).Problems).Reason);
    }

    [Fact]
    public async Task SwappedFiles_BothDetected()
    {
        (StoredCertificateInfo a, _) = await _ctx.PutAsync("a.example");
        (StoredCertificateInfo b, _) = await _ctx.PutAsync("b.example");
        byte[] fileA = await File.ReadAllBytesAsync(a.Location);
        byte[] fileB = await File.ReadAllBytesAsync(b.Location);
        await File.WriteAllBytesAsync(a.Location, fileB);
        await File.WriteAllBytesAsync(b.Location, fileA);

        (CertificateMap served, CertificateReloadResult result) = await _ctx.ServeAsync();

        Assert.Equal(0, served.Count);
        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Contains("renamed or swapped", e.Reason, StringComparison.Ordinal));
        Assert.DoesNotContain(result.Errors, e => e.AuthenticationFailed); // the key is right; the files are wrong
        Assert.False((await _ctx.Store.ListAsync()).KeyDecryptsNothing);
    }

    [Fact]
    public async Task SpliceHeaderOfOneEntryWithCiphertextOfAnother_FailsAuthentication()
    {
        (StoredCertificateInfo a, _) = await _ctx.PutAsync("a.example");
        (StoredCertificateInfo b, _) = await _ctx.PutAsync("b.example");
        byte[] fileA = await File.ReadAllBytesAsync(a.Location);
        byte[] fileB = await File.ReadAllBytesAsync(b.Location);
        int nonceA = StoreTestContext.Layout(fileA).Nonce;
        int nonceB = StoreTestContext.Layout(fileB).Nonce;

        // A's identity (header) with B's sealed key: the tag was computed over B's identity, so it must not verify.
        byte[] spliced = [.. fileA.AsSpan(0, nonceA), .. fileB.AsSpan(nonceB)];
        await File.WriteAllBytesAsync(a.Location, spliced);

        CertificateStoreListing listing = await _ctx.Store.ListAsync();

        CertificateStoreProblem problem = Assert.Single(listing.Problems);
        Assert.Equal(a.Location, problem.Location);
        Assert.True(problem.AuthenticationFailed);
        Assert.Equal("b.example", Assert.Single(listing.Entries).Names[0]);
    }

    [Fact]
    public async Task RenamedFile_Detected()
    {
        (StoredCertificateInfo a, _) = await _ctx.PutAsync("a.example");
        string renamed = Path.Combine(_ctx.StoreDirectory, "z.example.ecdsa.00000000.tcert");
        File.Move(a.Location, renamed);

        CertificateStoreProblem problem = Assert.Single((await _ctx.Store.ListAsync()).Problems);

        Assert.Equal(renamed, problem.Location);
        Assert.Contains($"entry id '{a.Id}'", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentReplace_ReaderAlwaysSeesOldOrNewNeverTorn()
    {
        (Terminator.Certificates.CertificateEntry v1, _) = _ctx.Issue(["atomic.example"]);
        (Terminator.Certificates.CertificateEntry v2, _) = _ctx.Issue(["atomic.example"]);
        StoredCertificateInfo info = await _ctx.Store.PutAsync(v1);
        var expected = new HashSet<string> { v1.Certificate.Thumbprint, v2.Certificate.Thumbprint };
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));

        Task writer = Task.Run(async () =>
        {
            for (int i = 0; i < 150 && !stop.IsCancellationRequested; i++)
            {
                await _ctx.Store.PutAsync(i % 2 == 0 ? v2 : v1);
            }
        });

        int reads = 0;
        while (!writer.IsCompleted)
        {
            CertificateStoreListing listing = await _ctx.Store.ListAsync();
            Assert.Empty(listing.Problems);
            StoredCertificateInfo seen = Assert.Single(listing.Entries);
            using var leaf = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(seen.CertificateChainPem);
            Assert.Contains(leaf.Thumbprint, expected);
            reads++;
        }

        await writer;
        Assert.True(reads > 0);
        Assert.Equal([info.Location], Directory.GetFiles(_ctx.StoreDirectory).Where(f => !f.EndsWith(StoreIndexFile.FileName, StringComparison.Ordinal))); // no temp files left behind
    }
}
