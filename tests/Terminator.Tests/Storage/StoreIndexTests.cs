using Terminator.Certificates;
using Terminator.Diagnostics;
using Terminator.Storage;

namespace Terminator.Tests.Storage;

/// <summary>The store index (<see cref="StoreIndexFile"/>): a start-up cache next to the entries that is never the
/// authority — torn, stale, lying or missing, the store serves what its authenticated entry files say.</summary>
public sealed class StoreIndexTests : IDisposable
{
    private readonly StoreTestContext _ctx = new();

    public void Dispose() => _ctx.Dispose();

    private string IndexPath => Path.Combine(_ctx.StoreDirectory, StoreIndexFile.FileName);

    /// <summary>One daemon start: a watcher's first full scan into a fresh map.</summary>
    private async Task<(CertificateMap Map, CertificateReloadResult Result, (int FromIndex, int FromFiles) Loads)> StartAsync()
    {
        var map = new CertificateMap();
        var files = new StoreCertificateFileSet(_ctx.Store);
        using var watcher = new CertificateDirectoryWatcher(files, map, TerminatorLog.Silent, Timeout.InfiniteTimeSpan);
        CertificateReloadResult result = await watcher.RescanAsync(logFailures: false);
        return (map, result, files.LastLoads);
    }

    [Fact]
    public async Task Imports_AreIndexed_StartUpReadsNoEntryFile()
    {
        await _ctx.PutAsync("one.example");
        await _ctx.PutAsync("two.example", "www.two.example");

        var (map, result, loads) = await StartAsync();

        Assert.Equal(2, result.Added);
        Assert.Equal((2, 0), loads);
        Assert.True(map.TryGet("www.two.example"u8, out CertificateEntry? entry));
        Assert.Equal(["two.example", "www.two.example"], entry.Names);
        Assert.NotNull(entry.Certificate); // materialises from the authenticated file
    }

    [Fact]
    public void Records_RoundTrip_KnownKeyTypesAreSharedAndOthersKeptAsWritten()
    {
        var file = new FileVersion(1234, 5, 6, 7);
        _ctx.Store.Index.Append([
            _ctx.Store.Index.Encode(new StoreIndexRecord("a.example.ecdsa.00000001", file, ["a.example"], 1, 2, "ECDSA P-256")),
            _ctx.Store.Index.Encode(new StoreIndexRecord("b.example.rsa.00000002", file, ["b.example", "*.b.example"], 3, 4, "RSA 3072")),
            _ctx.Store.Index.Encode(new StoreIndexRecord("c.example.x.00000003", file, ["c.example"], 5, 6, "Ed25519")),
        ]);
        var records = new Dictionary<string, StoreIndexRecord>(StringComparer.Ordinal);

        StoreIndexFile.ReadResult read = _ctx.Store.Index.Read(0, records);

        Assert.False(read.Damaged);
        Assert.Equal(3, read.Records);
        StoreIndexRecord b = records["b.example.rsa.00000002"];
        Assert.Equal((file, 3L, 4L), (b.File, b.NotBeforeUnixMs, b.NotAfterUnixMs));
        Assert.Equal(["b.example", "*.b.example"], b.Names);
        // A million records share the few key types there are instead of a string each.
        Assert.Same("ECDSA P-256", records["a.example.ecdsa.00000001"].KeyType);
        Assert.Same("RSA 3072", b.KeyType);
        Assert.Equal("Ed25519", records["c.example.x.00000003"].KeyType);
    }

    [Fact]
    public async Task NoIndex_EntriesReadFromTheirFiles_AndTheIndexIsWrittenForTheNextStart()
    {
        await _ctx.PutAsync("one.example");
        await _ctx.PutAsync("two.example");
        File.Delete(IndexPath);

        var (_, first, firstLoads) = await StartAsync();
        var (map, second, secondLoads) = await StartAsync();

        Assert.Equal((2, 2), (first.Added, second.Added));
        Assert.Equal((0, 2), firstLoads);
        Assert.Equal((2, 0), secondLoads);
        Assert.True(map.TryGet("two.example"u8, out _));
    }

    [Fact]
    public async Task TornIndexTail_IsIgnored_ThatEntryIsReadFromItsFile_AndTheIndexRewritten()
    {
        await _ctx.PutAsync("kept.example");
        await _ctx.PutAsync("torn.example");
        long length = new FileInfo(IndexPath).Length;
        using (var index = new FileStream(IndexPath, FileMode.Open))
        {
            index.SetLength(length - 7); // a crash half-way through appending the second record
        }

        var (map, result, loads) = await StartAsync();
        var (_, _, nextLoads) = await StartAsync();

        Assert.Equal(2, result.Added);
        Assert.Empty(result.Errors);
        Assert.Equal((1, 1), loads);
        Assert.True(map.TryGet("torn.example"u8, out CertificateEntry? torn));
        Assert.NotNull(torn.Certificate);
        Assert.Equal((2, 0), nextLoads);
    }

    [Fact]
    public async Task CorruptRecord_EndsTheReadablePart_EverythingAfterIsReadFromFiles()
    {
        await _ctx.PutAsync("first.example");
        await _ctx.PutAsync("second.example");
        await _ctx.PutAsync("third.example");
        byte[] index = await File.ReadAllBytesAsync(IndexPath);
        index[index.Length / 2] ^= 0x40; // a flipped bit in the middle record
        await File.WriteAllBytesAsync(IndexPath, index);

        var (map, result, loads) = await StartAsync();

        Assert.Equal(3, result.Added);
        Assert.True(loads.FromFiles >= 2, $"{loads}");
        Assert.Equal(3, loads.FromIndex + loads.FromFiles);
        Assert.True(map.TryGet("second.example"u8, out _));
    }

    [Fact]
    public async Task EntryNewerThanItsIndexRecord_IsReadFromItsFile()
    {
        await _ctx.PutAsync("renewed.example");
        long before = new FileInfo(IndexPath).Length;
        await Task.Delay(20);
        (StoredCertificateInfo renewed, _) = await _ctx.PutAsync("renewed.example");
        using (var index = new FileStream(IndexPath, FileMode.Open))
        {
            index.SetLength(before); // the renewal's record never reached the index (a crash between rename and append)
        }

        var (map, result, loads) = await StartAsync();

        Assert.Equal(1, result.Added);
        Assert.Equal((0, 1), loads);
        Assert.True(map.TryGet("renewed.example"u8, out CertificateEntry? entry));
        Assert.Equal(renewed.NotAfter, entry.NotAfter);
        Assert.Equal(renewed.Location, entry.Source);
    }

    [Fact]
    public async Task IndexRecordNamingANameTheEntryDoesNotCarry_IsRefusedWhenMaterialised()
    {
        (StoredCertificateInfo info, _) = await _ctx.PutAsync("real.example");
        FileVersion file = FileVersion.Of(info.Location);
        // A record only a holder of the store key can write (records are HMAC'd with a key derived from it): the
        // entry's authenticated file still decides.
        _ctx.Store.Index.Append([_ctx.Store.Index.Encode(new StoreIndexRecord(info.Id, file, ["real.example", "victim.example"],
            info.NotBefore.ToUnixTimeMilliseconds(), info.NotAfter.ToUnixTimeMilliseconds(), info.KeyType))]);

        var (map, _, loads) = await StartAsync();

        Assert.Equal((1, 0), loads);
        Assert.True(map.TryGet("victim.example"u8, out CertificateEntry? entry));
        var refused = await Assert.ThrowsAsync<CertificateLoadException>(async () => await entry.GetServerOptionsAsync(CancellationToken.None));
        Assert.Contains("store index", refused.Message, StringComparison.Ordinal);
        Assert.False(entry.IsMaterialized);
    }

    [Fact]
    public async Task IndexRecordForgedWithoutTheKey_IsNotRead()
    {
        (StoredCertificateInfo info, _) = await _ctx.PutAsync("real.example");
        using var otherKey = Terminator.Configuration.StoreKey.Generate();
        var forger = new StoreIndexFile(_ctx.StoreDirectory, otherKey);
        forger.Append([forger.Encode(new StoreIndexRecord(info.Id, FileVersion.Of(info.Location), ["real.example", "victim.example"],
            info.NotBefore.ToUnixTimeMilliseconds(), info.NotAfter.ToUnixTimeMilliseconds(), info.KeyType))]);

        var (map, result, _) = await StartAsync();

        Assert.Equal(1, result.Added);
        Assert.False(map.TryGet("victim.example"u8, out _));
        Assert.True(map.TryGet("real.example"u8, out _));
    }

    [Fact]
    public async Task DeletedEntry_ItsIndexRecordServesNothing()
    {
        await _ctx.PutAsync("stays.example");
        (StoredCertificateInfo gone, _) = await _ctx.PutAsync("gone.example");
        File.Delete(gone.Location);

        var (map, result, loads) = await StartAsync();

        Assert.Equal(1, result.Added);
        Assert.Equal((1, 0), loads);
        Assert.False(map.TryGet("gone.example"u8, out _));
    }

    [Fact]
    public async Task TamperedEntryWithItsIndexRecordIntact_IsNeverServed()
    {
        (StoredCertificateInfo info, _) = await _ctx.PutAsync("tampered.example");
        byte[] file = await File.ReadAllBytesAsync(info.Location);
        file[^1] ^= 0x01; // in place: same size; ctime moves, so the record no longer matches
        await File.WriteAllBytesAsync(info.Location, file);

        var (map, result, loads) = await StartAsync();

        Assert.Equal((0, 1), loads);
        Assert.Equal(0, result.Added);
        Assert.True(Assert.Single(result.Errors).AuthenticationFailed);
        Assert.False(map.TryGet("tampered.example"u8, out _));
    }
}
