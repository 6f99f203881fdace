using System.Diagnostics;
using Terminator.Certificates;
using Terminator.Diagnostics;
using Terminator.Samples.Certificates;
using Terminator.Storage;
using Terminator.Tests.Storage;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Certificates;

public sealed class CertificateDirectoryWatcherTests : IDisposable
{
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Watcher Test CA");
    private readonly TempDirectory _directory = new("watch");
    private readonly CertificateMap _map = new();

    [Fact]
    public async Task NewFile_Served_WithoutExplicitRescan()
    {
        using var watcher = new CertificateDirectoryWatcher(_directory.FullName, _map, TerminatorLog.Silent, TimeSpan.FromMinutes(10));
        await watcher.RescanAsync();
        watcher.StartWatching();

        var clock = Stopwatch.StartNew();
        _authority.Issue(["fresh.watch.test"]).WriteFlat(_directory.FullName, "fresh");

        // The periodic rescan is 10 minutes away: only the notification can have done it. (The one-second deadline is
        // checked by StoreHotReloadScaleTests, which runs alone; this test shares the CPU with the parallel suite.)
        Assert.True(await Eventually.TrueAsync(() => _map.TryGet("fresh.watch.test", out _)), $"not served {clock.Elapsed.TotalMilliseconds:0} ms after the write");
    }

    [Fact]
    public async Task Replace_NameNeverMissing_AndNewCertificateServed()
    {
        _authority.Issue(["renew.watch.test"]).WriteFlat(_directory.FullName, "renew");
        using var watcher = new CertificateDirectoryWatcher(_directory.FullName, _map, TerminatorLog.Silent, TimeSpan.FromMinutes(10));
        await watcher.RescanAsync();
        Assert.True(_map.TryGet("renew.watch.test", out CertificateEntry? first));
        // Entries are compact and load their files on first use: read the serial while the first file is on disk.
        string firstSerial = first!.Certificate.SerialNumber;

        int misses = 0;
        using var stop = new CancellationTokenSource();
        Task reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (!_map.TryGet("renew.watch.test"u8, out _)) Interlocked.Increment(ref misses);
            }
        });
        for (int i = 0; i < 10; i++)
        {
            _authority.Issue(["renew.watch.test"]).WriteFlat(_directory.FullName, "renew");
            CertificateReloadResult result = await watcher.RescanAsync();
            Assert.Equal(1, result.Replaced);
        }

        await stop.CancelAsync();
        await reader;

        Assert.Equal(0, misses);
        Assert.True(_map.TryGet("renew.watch.test", out CertificateEntry? last));
        Assert.NotEqual(firstSerial, last!.Certificate.SerialNumber);
        Assert.Equal(1, watcher.Count);
    }

    [Fact]
    public async Task Unchanged_Files_AreNotReloaded()
    {
        for (int i = 0; i < 5; i++) _authority.Issue([$"s{i}.watch.test"]).WriteFlat(_directory.FullName, $"s{i}");
        using var watcher = new CertificateDirectoryWatcher(_directory.FullName, _map, TerminatorLog.Silent, TimeSpan.FromMinutes(10));
        Assert.Equal(5, (await watcher.RescanAsync()).Added);

        CertificateReloadResult again = await watcher.RescanAsync();

        Assert.Equal((0, 0, 0), (again.Added, again.Replaced, again.Removed));
    }

    [Fact]
    public async Task RemovedFile_NameGone_BrokenReplacement_KeepsOldCertificate()
    {
        _authority.Issue(["gone.watch.test"]).WriteFlat(_directory.FullName, "gone");
        _authority.Issue(["keep.watch.test"]).WriteFlat(_directory.FullName, "keep");
        using var watcher = new CertificateDirectoryWatcher(_directory.FullName, _map, TerminatorLog.Silent, TimeSpan.FromMinutes(10));
        await watcher.RescanAsync();

        File.Delete(Path.Combine(_directory.FullName, "gone.crt"));
        File.Delete(Path.Combine(_directory.FullName, "gone.key"));
        await File.WriteAllTextAsync(Path.Combine(_directory.FullName, "keep.crt"), "-----BEGIN CERTIFICATE-----\ntruncated");
        CertificateReloadResult result = await watcher.RescanAsync();

        Assert.Equal(1, result.Removed);
        Assert.False(_map.TryGet("gone.watch.test", out _));
        Assert.True(_map.TryGet("keep.watch.test", out _));
        Assert.Contains(result.Errors, e => e.Path.EndsWith("keep.crt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StoreEntryFailingAfterStart_Rescan_RemovedWithOneWarning_ValidFileAddsItBack()
    {
        using var store = new StoreTestContext();
        await store.PutAsync("kept.watch.test");
        (StoredCertificateInfo spoiled, _) = await store.PutAsync("spoiled.watch.test");
        var log = new LogLines();
        using var watcher = new CertificateDirectoryWatcher(new StoreCertificateFileSet(store.Store), _map, log.Log, TimeSpan.FromMinutes(10));
        Assert.Equal(2, (await watcher.RescanAsync()).Added);

        TamperKeepingSize(spoiled.Location);
        CertificateReloadResult result = await watcher.RescanAsync(); // what the periodic rescan runs

        // Exactly as if the file had been removed: the name is gone, the other entry stays.
        Assert.Equal(1, result.Removed);
        Assert.False(_map.TryGet("spoiled.watch.test", out _));
        Assert.True(_map.TryGet("kept.watch.test", out _));
        Assert.Equal(1, watcher.Count);
        string warning = Assert.Single(log.Lines, l => l.Contains(spoiled.Location, StringComparison.Ordinal));
        Assert.Equal("warn", LogLines.LogEntry.Parse(warning).Level);
        Assert.Contains("authentication failed", warning, StringComparison.Ordinal);

        // Later rescans of the same broken file neither add it back nor repeat the warning.
        await watcher.RescanAsync();
        await watcher.RescanAsync();
        Assert.False(_map.TryGet("spoiled.watch.test", out _));
        Assert.Single(log.Lines, l => l.Contains(spoiled.Location, StringComparison.Ordinal));

        // A valid file under the same id brings the entry back.
        await store.PutAsync("spoiled.watch.test");
        Assert.Equal(1, (await watcher.RescanAsync()).Added);
        Assert.True(_map.TryGet("spoiled.watch.test", out _));
    }

    [Fact]
    public async Task StoreEntryFailingAfterStart_Notification_RemovedWithoutExplicitRescan()
    {
        using var store = new StoreTestContext();
        (StoredCertificateInfo spoiled, _) = await store.PutAsync("notified.watch.test");
        var log = new LogLines();
        using var watcher = new CertificateDirectoryWatcher(new StoreCertificateFileSet(store.Store), _map, log.Log, TimeSpan.FromMinutes(10));
        await watcher.RescanAsync();
        watcher.StartWatching();
        Assert.True(_map.TryGet("notified.watch.test", out _));

        TamperKeepingSize(spoiled.Location);

        // The periodic rescan is 10 minutes away: only the notification can have done it.
        Assert.True(await Eventually.TrueAsync(() => !_map.TryGet("notified.watch.test", out _)), "tampered entry still served");
        Assert.True(await Eventually.TrueAsync(() => log.Lines.Any(l => l.Contains(spoiled.Location, StringComparison.Ordinal))));

        await store.PutAsync("notified.watch.test");
        Assert.True(await Eventually.TrueAsync(() => _map.TryGet("notified.watch.test", out _)), "valid entry not served again");
        Assert.Single(log.Lines, l => l.Contains(spoiled.Location, StringComparison.Ordinal));
    }

    /// <summary>Flips the last ciphertext byte (only AES-GCM can notice) and moves the modification time on, as any
    /// real edit does: the kernel's coarse file clock could otherwise give the rewrite the write's own timestamp.</summary>
    private static void TamperKeepingSize(string path)
    {
        DateTime written = File.GetLastWriteTimeUtc(path);
        byte[] file = File.ReadAllBytes(path);
        file[^1] ^= 0x01;
        File.WriteAllBytes(path, file);
        File.SetLastWriteTimeUtc(path, written.AddSeconds(1));
    }

    public void Dispose()
    {
        _authority.Dispose();
        _directory.Dispose();
    }
}
