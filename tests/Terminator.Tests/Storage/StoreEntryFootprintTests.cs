using System.Runtime.CompilerServices;
using Terminator.Certificates;
using Terminator.Storage;

namespace Terminator.Tests.Storage;

/// <summary>
/// What a compact entry keeps per name (issue 11: a million names): a store entry holds no path string (its source is
/// written from the store's directory and its id on demand), and a one-name entry holds the name, not a one-element
/// array. Each test drops its own reference to the string or array it handed over and checks the garbage collector can
/// take it, which it could not while the entry held it.
/// </summary>
public sealed class StoreEntryFootprintTests : IDisposable
{
    private readonly StoreTestContext _ctx = new();

    public void Dispose() => _ctx.Dispose();

    [Fact]
    public async Task StoreEntry_HoldsNoPathString_AndWritesItsSourceOnDemand()
    {
        (StoredCertificateInfo info, _) = await _ctx.PutAsync("held.example", "www.held.example");

        (CertificateEntry entry, WeakReference path) = LoadThroughACopyOfThePath(_ctx.Store, info.Location);
        Collect();

        Assert.False(path.IsAlive);
        Assert.Equal(info.Location, entry.Source);
        Assert.NotSame(entry.Source, entry.Source); // written each time it is asked for, never kept
    }

    [Fact]
    public async Task StoreEntryFromTheIndex_HoldsNoPathString()
    {
        (StoredCertificateInfo info, _) = await _ctx.PutAsync("indexed.example");
        CertificateEntry loaded = _ctx.Store.LoadFile(info.Location);
        var record = StoreIndexRecord.For(info.Id, FileVersion.Of(info.Location), loaded);

        (CertificateEntry entry, WeakReference path) = FromIndexThroughACopyOfThePath(_ctx.Store, info.Location, record);
        Collect();

        Assert.False(path.IsAlive);
        Assert.Equal(info.Location, entry.Source);
        Assert.Equal(["indexed.example"], entry.Names);
    }

    [Theory]
    [InlineData("/./")]      // the same file, spelt another way: the entry must still say exactly what it was given
    [InlineData("//")]
    public async Task StoreEntry_WhosePathCannotBeWrittenBack_KeepsItAsGiven(string separator)
    {
        (StoredCertificateInfo info, _) = await _ctx.PutAsync("spelt.example");
        CertificateEntry loaded = _ctx.Store.LoadFile(info.Location);
        var record = StoreIndexRecord.For(info.Id, FileVersion.Of(info.Location), loaded);
        string path = _ctx.Store.Directory + separator + Path.GetFileName(info.Location);

        CertificateEntry entry = _ctx.Store.EntryFromIndex(path, record);

        Assert.Same(path, entry.Source);
        Assert.True(entry.SourceEquals(path));
        Assert.False(entry.SourceEquals(info.Location));
    }

    [Fact]
    public async Task StoreEntry_WhoseIdIsNotTheOneItsNamesGive_KeepsItsPath()
    {
        // An id of the right shape whose tag is not this name set's hash (another tool's id, a hand-renamed file).
        (StoredCertificateInfo info, _) = await _ctx.PutAsync("tagged.example");
        CertificateEntry loaded = _ctx.Store.LoadFile(info.Location);
        var record = StoreIndexRecord.For(info.Id, FileVersion.Of(info.Location), loaded);
        string path = Path.Combine(_ctx.Store.Directory, "other.example.ecdsa.00000000" + DirectoryCertificateStore.FileExtension);

        CertificateEntry entry = _ctx.Store.EntryFromIndex(path, record);

        Assert.Same(path, entry.Source);
    }

    [Fact]
    public async Task SourceComparisons_AgreeWithTheWrittenPaths()
    {
        (StoredCertificateInfo a, _) = await _ctx.PutAsync("a.order.example");
        (StoredCertificateInfo b, _) = await _ctx.PutAsync("b.order.example", "*.b.order.example");
        CertificateEntry first = _ctx.Store.LoadFile(a.Location);
        CertificateEntry second = _ctx.Store.LoadFile(b.Location);
        CertificateEntry again = _ctx.Store.LoadFile(a.Location);

        Assert.Equal(Math.Sign(string.CompareOrdinal(a.Location, b.Location)), CertificateEntry.CompareSources(first, second));
        Assert.Equal(0, CertificateEntry.CompareSources(first, again));
        Assert.True(first.HasSameSource(again));
        Assert.False(first.HasSameSource(second));
        Assert.Equal(string.GetHashCode(a.Location.AsSpan()), first.GetSourceHashCode());
        Assert.Equal(b.Location, second.Source); // a wildcard name: '*' is written as '_' in the id
    }

    [Fact]
    public void OneNameEntry_HoldsTheName_NotTheArray()
    {
        (CertificateEntry entry, WeakReference array) = EntryOverAnArrayOfOne();
        Collect();

        Assert.False(array.IsAlive);
        Assert.Equal("single.example", Assert.Single(entry.Names));
        Assert.Equal("single.example", entry.Names[0]);
        Assert.Equal(["single.example"], entry.Names);
        Assert.True(entry.Covers("SINGLE.example"u8));
        Assert.False(entry.Covers("other.example"u8));
    }

    [Fact]
    public void CoversAndNames_AllocateNothing_ForOneNameOrSeveral()
    {
        var one = new CertificateEntry(["one.example"], DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue, "ECDSA P-256", "test:one", new NoMaterial());
        var several = new CertificateEntry(["a.example", "*.b.example"], DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue, "ECDSA P-256", "test:several", new NoMaterial());
        one.Covers("one.example"u8);
        several.Covers("x.b.example"u8);

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool all = true;
        for (int i = 0; i < 1000; i++)
        {
            all &= one.Covers("one.example"u8) && several.Covers("x.b.example"u8) && !several.Covers("c.example"u8);
            foreach (string name in several.Names)
            {
                all &= name.Length > 0;
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(all);
    }

    [Fact]
    public async Task WatcherLoad_KeepsNoListedPath_OnceCollected()
    {
        // The daemon's one compacting collection before serving must find the listing's paths unreachable: neither the
        // entries nor the watcher's table hold them, and the load's own results (once a ConcurrentBag, whose per-thread
        // queues live until a finalizer runs) are gone when the rescan returns. One collection, no finalizers.
        for (int i = 0; i < 8; i++)
        {
            await _ctx.PutAsync($"e{i}.listed.example");
        }

        var files = new TrackingFileSet(new StoreCertificateFileSet(_ctx.Store));
        var map = new CertificateMap();
        using var watcher = new CertificateDirectoryWatcher(files, map, Terminator.Diagnostics.TerminatorLog.Silent, Timeout.InfiniteTimeSpan);
        Assert.Equal(8, (await watcher.RescanAsync()).Added);

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);

        Assert.Equal(8, files.Listed.Count);
        Assert.All(files.Listed, path => Assert.False(path.IsAlive));
        Assert.True(map.TryGet("e3.listed.example"u8, out CertificateEntry? served));
        Assert.EndsWith(DirectoryCertificateStore.FileExtension, served.Source, StringComparison.Ordinal);
        Assert.Equal(8, watcher.Count);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (CertificateEntry, WeakReference) LoadThroughACopyOfThePath(DirectoryCertificateStore store, string path)
    {
        string copy = new(path.AsSpan());
        return (store.LoadFile(copy), new WeakReference(copy));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (CertificateEntry, WeakReference) FromIndexThroughACopyOfThePath(DirectoryCertificateStore store, string path, StoreIndexRecord record)
    {
        string copy = new(path.AsSpan());
        return (store.EntryFromIndex(copy, record), new WeakReference(copy));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (CertificateEntry, WeakReference) EntryOverAnArrayOfOne()
    {
        string[] names = ["single.example"];
        var entry = new CertificateEntry(names, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue, "ECDSA P-256", "test:single", new NoMaterial());
        return (entry, new WeakReference(names));
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Lists copies of the store's paths and keeps only weak references to them.</summary>
    private sealed class TrackingFileSet(StoreCertificateFileSet inner) : ICertificateFileSet
    {
        public List<WeakReference> Listed { get; } = [];

        public string Directory => inner.Directory;
        public bool IncludeSubdirectories => inner.IncludeSubdirectories;
        public TimeSpan Debounce => inner.Debounce;
        public bool FailedLoadIsFinal => inner.FailedLoadIsFinal;
        public bool TryMapChange(string changedPath, out string? candidate) => inner.TryMapChange(changedPath, out candidate);

        public List<string> FindFiles(List<CertificateLoadError> errors)
        {
            var copies = new List<string>();
            foreach (string path in inner.FindFiles(errors))
            {
                string copy = new(path.AsSpan());
                Listed.Add(new WeakReference(copy));
                copies.Add(copy);
            }

            return copies;
        }

        public CertificateEntry Load(string path, out string? companionPath) => inner.Load(path, out companionPath);
        public CertificateEntry Load(string path, FileVersion version, out string? companionPath) => inner.Load(path, version, out companionPath);
        public void BeginLoads(bool fullScan) => inner.BeginLoads(fullScan);
        public void EndLoads(bool fullScan) => inner.EndLoads(fullScan);
        public FileVersion? ProbeFolder() => inner.ProbeFolder();
    }

    private sealed class NoMaterial : ICertificateMaterialSource
    {
        public ValueTask<CertificateMaterial> LoadAsync(CertificateEntry entry, CancellationToken cancellationToken) => throw new NotSupportedException();

        public CertificateMaterial Load(CertificateEntry entry) => throw new NotSupportedException();
    }
}
