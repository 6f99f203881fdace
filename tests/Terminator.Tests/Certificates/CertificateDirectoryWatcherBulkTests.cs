using Terminator.Certificates;
using Terminator.Diagnostics;

namespace Terminator.Tests.Certificates;

/// <summary>A watcher's initial load of thousands of entries takes the bulk path (listing order, the map sized once);
/// these check it serves every name and that the rescans after it still replace and remove.</summary>
public sealed class CertificateDirectoryWatcherBulkTests
{
    private const int Count = 5_000; // above CertificateMap.Reserve's threshold (4,096)

    [Fact]
    public async Task InitialLoadOfThousands_ServesEveryName_AndLaterRescansReplaceAndRemove()
    {
        var files = new SyntheticFileSet(Count);
        var map = new CertificateMap();
        using var watcher = new CertificateDirectoryWatcher(files, map, TerminatorLog.Silent, Timeout.InfiniteTimeSpan,
            new SyntheticProbe(files), spotCheckBatch: 1024, racyWindow: TimeSpan.FromSeconds(2));

        CertificateReloadResult first = await watcher.RescanAsync();

        Assert.Equal((Count, 0, 0), (first.Added, first.Replaced, first.Removed));
        Assert.Equal(Count, map.Count);
        for (int i = 0; i < Count; i++)
        {
            Assert.True(map.TryGet(SyntheticFileSet.Name(i), out CertificateEntry? entry));
            Assert.Equal(SyntheticFileSet.PathOf(i), entry.Source);
        }

        // The next full rescan: one entry's file changed, one is gone, one is new.
        files.Change(7);
        files.Remove(11);
        files.Add(Count);
        CertificateReloadResult second = await watcher.RescanAsync();

        Assert.Equal((1, 1, 1), (second.Added, second.Replaced, second.Removed));
        Assert.Equal(Count, map.Count);
        Assert.False(map.TryGet(SyntheticFileSet.Name(11), out _));
        Assert.True(map.TryGet(SyntheticFileSet.Name(Count), out _));
        Assert.True(map.TryGet(SyntheticFileSet.Name(7), out CertificateEntry? changed));
        Assert.Equal(2, files.LoadsOf(7)); // loaded again, not kept from the first load
        Assert.Same(changed, map.CandidatesOf(SyntheticFileSet.Name(7)).Single());
    }

    /// <summary>Entries without files: each "file" is a name in a list, its version a counter the test bumps.</summary>
    private sealed class SyntheticFileSet : ICertificateFileSet
    {
        private readonly SortedDictionary<string, int> _files = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _loads = new(StringComparer.Ordinal);

        public SyntheticFileSet(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Add(i);
            }
        }

        public string Directory => "/synthetic";

        public bool IncludeSubdirectories => false;

        public TimeSpan Debounce => TimeSpan.Zero;

        public bool FailedLoadIsFinal => true;

        public static string Name(int i) => $"n{i:D5}.bulk.test";

        public static string PathOf(int i) => $"/synthetic/{Name(i)}.tcert";

        public void Add(int i) => _files[PathOf(i)] = 1;

        public void Change(int i) => _files[PathOf(i)]++;

        public void Remove(int i) => _files.Remove(PathOf(i));

        public int LoadsOf(int i) => _loads.GetValueOrDefault(PathOf(i));

        public bool TryMapChange(string changedPath, out string? candidate)
        {
            candidate = changedPath;
            return true;
        }

        public List<string> FindFiles(List<CertificateLoadError> errors) => [.. _files.Keys];

        public CertificateEntry Load(string path, out string? companionPath)
        {
            companionPath = null;
            lock (_loads)
            {
                _loads[path] = _loads.GetValueOrDefault(path) + 1;
            }

            string name = path["/synthetic/".Length..^".tcert".Length];
            return new CertificateEntry([name], DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(60), "ECDSA P-256", path, new NoMaterial());
        }

        // The "file version" the watcher fingerprints: the counter, as a length, through a probe the test controls.
        public FileVersion Version(string path) => _files.TryGetValue(path, out int version) ? new FileVersion(version, 0, 0, 0) : FileVersion.Missing;
    }

    private sealed class SyntheticProbe(SyntheticFileSet files) : FileProbe
    {
        public override FileVersion Stat(string path, out bool isLink)
        {
            isLink = false;
            return files.Version(path);
        }
    }

    private sealed class NoMaterial : ICertificateMaterialSource
    {
        public ValueTask<CertificateMaterial> LoadAsync(CertificateEntry entry, CancellationToken cancellationToken) => throw new NotSupportedException();

        public CertificateMaterial Load(CertificateEntry entry) => throw new NotSupportedException();
    }
}
