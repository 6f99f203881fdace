using Terminator.Certificates;
using Terminator.Storage;

namespace Terminator.Tests.Storage;

/// <summary>How a file-system notification in the store folder maps to the one entry to re-check.</summary>
public sealed class StoreCertificateFileSetTests : IDisposable
{
    private readonly StoreTestContext _ctx = new();

    public void Dispose() => _ctx.Dispose();

    [Fact]
    public void EntryFile_MapsToItself()
    {
        var files = new StoreCertificateFileSet(_ctx.Store);
        string entry = Path.Combine(_ctx.Store.Directory, "click.example.ecdsa.0123abcd" + DirectoryCertificateStore.FileExtension);

        Assert.True(files.TryMapChange(entry, out string? candidate));
        Assert.Equal(entry, candidate);
    }

    [Theory]
    [InlineData(".click.example.ecdsa.0123abcd.tcert.tmp")]   // the temp file of an atomic write
    [InlineData(".click.example.ecdsa.0123abcd.tcert")]       // hidden
    [InlineData("notes.txt")]                                  // not an entry
    public void NonEntryFile_IsIgnored(string name)
    {
        var files = new StoreCertificateFileSet(_ctx.Store);

        Assert.True(files.TryMapChange(Path.Combine(_ctx.Store.Directory, name), out string? candidate));
        Assert.Null(candidate);
    }

    [Fact]
    public void PathOutsideTheStoreFolder_AsksForAFullRescan()
    {
        var files = new StoreCertificateFileSet(_ctx.Store);

        Assert.False(files.TryMapChange(Path.Combine(_ctx.Directory, "elsewhere", "x" + DirectoryCertificateStore.FileExtension), out _));
        Assert.False(files.TryMapChange(_ctx.Store.Directory, out _));
    }

    [Fact]
    public async Task FindFilesAndLoad_SeeWhatTheStoreHolds()
    {
        var files = new StoreCertificateFileSet(_ctx.Store);
        var (info, _) = await _ctx.PutAsync("listed.example");

        string path = Assert.Single(files.FindFiles([]));
        Assert.Equal(info.Location, path);
        Assert.Equal(["listed.example"], files.Load(path, out string? companion).Names);
        Assert.Null(companion);
    }

    [Fact]
    public async Task IndexReadBesideTheFirstListing_IsReadAgainWhenARecordWasAppendedSince()
    {
        var (one, _) = await _ctx.PutAsync("one.example");
        var files = new StoreCertificateFileSet(_ctx.Store);
        Assert.Single(files.FindFiles([])); // the first scan: the index (one record) is read beside the listing

        // An import between the listing and the loads appends its record: the read made beside the listing is stale.
        var (two, _) = await _ctx.PutAsync("two.example");
        files.BeginLoads(fullScan: true);
        files.Load(one.Location, FileVersion.Of(one.Location), out _);
        files.Load(two.Location, FileVersion.Of(two.Location), out _);
        files.EndLoads(fullScan: true);

        Assert.Equal((2, 0), files.LastLoads); // both from the index: the new record was read, not the entry's file
    }
}
