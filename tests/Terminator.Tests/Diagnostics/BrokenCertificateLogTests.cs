using Microsoft.Extensions.Logging;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tests.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Diagnostics;

/// <summary>A broken PEM file in TERMINATOR_CERT_DIR used to be warned about on every 30-second rescan, forever.</summary>
public sealed class BrokenCertificateLogTests : IDisposable
{
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Broken Log CA");
    private readonly TempDirectory _directory = new("broken-log");

    [Fact]
    public async Task BrokenPemFile_WarnedOnceWhileUnchanged_AgainWhenItChanges_OrOnSighup()
    {
        _authority.Issue(["fine.broken-log.test"]).WriteFlat(_directory.FullName, "fine");
        string broken = Path.Combine(_directory.FullName, "broken.pem");
        await File.WriteAllTextAsync(broken, "-----BEGIN CERTIFICATE-----\nnot base64\n");
        var log = new LogLines(LogLevel.Information);
        var map = new CertificateMap();
        using var watcher = new CertificateDirectoryWatcher(_directory.FullName, map, log.Log, TimeSpan.FromMinutes(10));

        for (int i = 0; i < 5; i++)
        {
            CertificateReloadResult result = await watcher.RescanAsync(); // what the periodic rescan runs
            Assert.Contains(result.Errors, e => e.Path == broken);      // still tried every time (certbot may be mid-write)
        }

        Assert.Equal(1, Warnings());
        Assert.True(map.TryGet("fine.broken-log.test", out _));

        // Rewritten and still broken: a new version is worth a new line.
        await File.WriteAllTextAsync(broken, "-----BEGIN CERTIFICATE-----\nstill not base64\n");
        File.SetLastWriteTimeUtc(broken, DateTime.UtcNow.AddSeconds(5));
        await watcher.RescanAsync();
        await watcher.RescanAsync();
        Assert.Equal(2, Warnings());

        // SIGHUP is an operator asking: every broken file is named again.
        await watcher.ForceRescanAsync();
        Assert.Equal(3, Warnings());

        // Fixed: loaded, nothing to warn about; broken again later: warned at once.
        _authority.Issue(["fixed.broken-log.test"]).WriteCombined(broken);
        File.SetLastWriteTimeUtc(broken, DateTime.UtcNow.AddSeconds(10));
        Assert.Equal(1, (await watcher.RescanAsync()).Added);
        Assert.Equal(3, Warnings());
        await File.WriteAllTextAsync(broken, "-----BEGIN CERTIFICATE-----\nbroken again\n");
        File.SetLastWriteTimeUtc(broken, DateTime.UtcNow.AddSeconds(15));
        await watcher.RescanAsync();
        await watcher.RescanAsync();
        Assert.Equal(4, Warnings());
        Assert.True(map.TryGet("fixed.broken-log.test", out _)); // a PEM that fails to load leaves its predecessor serving

        int Warnings() => log.Entries.Count(e => e.Level == "warn" && e.Message.StartsWith($"certificate skipped: {broken}: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rescan_ThatChangesSomething_LogsOneSummaryLine()
    {
        var log = new LogLines(LogLevel.Information);
        using var watcher = new CertificateDirectoryWatcher(_directory.FullName, new CertificateMap(), log.Log, TimeSpan.FromMinutes(10));
        _authority.Issue(["one.summary.test"]).WriteFlat(_directory.FullName, "one");
        _authority.Issue(["two.summary.test"]).WriteFlat(_directory.FullName, "two");

        await watcher.RescanAsync();
        await watcher.RescanAsync(); // nothing changed: nothing logged
        File.Delete(Path.Combine(_directory.FullName, "two.crt"));
        File.Delete(Path.Combine(_directory.FullName, "two.key"));
        await watcher.RescanAsync();

        Assert.Collection(log.Entries,
            e => Assert.Matches($@"^certificates from {System.Text.RegularExpressions.Regex.Escape(_directory.FullName)}: 2 added, 0 replaced, 0 removed, 0 failed in \d+ ms; 2 names$", e.Message),
            e => Assert.Matches(@": 0 added, 0 replaced, 1 removed, 0 failed in \d+ ms; 1 names$", e.Message));
    }

    public void Dispose()
    {
        _authority.Dispose();
        _directory.Dispose();
    }
}
