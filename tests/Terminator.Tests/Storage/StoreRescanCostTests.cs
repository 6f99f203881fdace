using Terminator.Certificates;
using Terminator.Diagnostics;
using Terminator.Storage;

namespace Terminator.Tests.Storage;

/// <summary>The periodic safety rescan of the store costs the same per tick for few or many entries: counted through
/// the watcher's stat and listing seams, not timed.</summary>
public sealed class StoreRescanCostTests
{
    private const int Batch = 4;

    [Theory]
    [InlineData(12)]
    [InlineData(40)]
    public async Task UnchangedStore_PeriodicTick_ListsNothing_StatsABoundedSlice(int entries)
    {
        using var ctx = new StoreTestContext();
        for (int i = 0; i < entries; i++)
        {
            await ctx.PutAsync($"e{i}.cost.example");
        }

        var probe = new CountingProbe();
        var files = new CountingFileSet(new StoreCertificateFileSet(ctx.Store));
        var map = new CertificateMap();
        using var watcher = new CertificateDirectoryWatcher(files, map, TerminatorLog.Silent, Timeout.InfiniteTimeSpan, probe, Batch, TimeSpan.Zero);
        Assert.Equal(entries, (await watcher.RescanAsync()).Added);
        Assert.Equal(1, files.Listings);

        probe.Stats = 0;
        for (int tick = 0; tick < 3; tick++)
        {
            await watcher.PeriodicRescanAsync();
        }

        Assert.Equal(1, files.Listings);           // no tick listed the folder
        Assert.Equal(3 * Batch, probe.Stats);      // 4 stats a tick for 12 entries and for 40
        Assert.Equal(3, files.FolderProbes - 1);   // plus one stat of the directory a tick

        // A new entry moves the directory: the next tick is a full rescan and serves it.
        await ctx.PutAsync("new.cost.example");
        CertificateReloadResult change = await watcher.PeriodicRescanAsync();
        Assert.Equal(2, files.Listings);
        Assert.Equal(1, change.Added);
        Assert.True(map.TryGet("new.cost.example"u8, out _));
    }

    [Fact]
    public async Task EntryRewrittenInPlace_NotificationLost_FoundByTheSpotCheck()
    {
        using var ctx = new StoreTestContext();
        (StoredCertificateInfo info, _) = await ctx.PutAsync("inplace.cost.example");
        await ctx.PutAsync("other.cost.example");
        var map = new CertificateMap();
        using var watcher = new CertificateDirectoryWatcher(new StoreCertificateFileSet(ctx.Store), map, TerminatorLog.Silent,
            Timeout.InfiniteTimeSpan, FileProbe.System, Batch, TimeSpan.Zero);
        await watcher.RescanAsync();

        byte[] file = await File.ReadAllBytesAsync(info.Location);
        file[^1] ^= 0x01;
        await File.WriteAllBytesAsync(info.Location, file); // in place: the directory does not change

        CertificateReloadResult tick = await watcher.PeriodicRescanAsync();

        Assert.Equal(1, tick.Removed);
        Assert.False(map.TryGet("inplace.cost.example"u8, out _));
        Assert.True(map.TryGet("other.cost.example"u8, out _));
    }

    private sealed class CountingProbe : FileProbe
    {
        public int Stats;

        public override FileVersion Stat(string path, out bool isLink)
        {
            Interlocked.Increment(ref Stats);
            return base.Stat(path, out isLink);
        }
    }

    private sealed class CountingFileSet(StoreCertificateFileSet inner) : ICertificateFileSet
    {
        public int Listings;
        public int FolderProbes;

        public string Directory => inner.Directory;
        public bool IncludeSubdirectories => inner.IncludeSubdirectories;
        public TimeSpan Debounce => inner.Debounce;
        public bool FailedLoadIsFinal => inner.FailedLoadIsFinal;
        public bool TryMapChange(string changedPath, out string? candidate) => inner.TryMapChange(changedPath, out candidate);

        public List<string> FindFiles(List<CertificateLoadError> errors)
        {
            Listings++;
            return inner.FindFiles(errors);
        }

        public CertificateEntry Load(string path, out string? companionPath) => inner.Load(path, out companionPath);
        public CertificateEntry Load(string path, FileVersion version, out string? companionPath) => inner.Load(path, version, out companionPath);
        public void BeginLoads(bool fullScan) => inner.BeginLoads(fullScan);
        public void EndLoads(bool fullScan) => inner.EndLoads(fullScan);

        public FileVersion? ProbeFolder()
        {
            FolderProbes++;
            return inner.ProbeFolder();
        }
    }
}
