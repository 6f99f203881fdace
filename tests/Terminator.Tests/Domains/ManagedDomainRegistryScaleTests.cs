using Xunit.Abstractions;
using Terminator.Domains;

namespace Terminator.Tests.Domains;

/// <summary>100,000 domains: start-up load time (printed), and paging that costs O(log n + page) however many there are.</summary>
public sealed class ManagedDomainRegistryScaleTests(ITestOutputHelper output) : IDisposable
{
    private const int Domains = 100_000;

    private readonly RegistryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Open_100000Domains_FromSnapshotAndFromJournal_LoadsInWellUnderASecondEach()
    {
        RegistryFolder.WriteSnapshot(_folder.Directory, Domains, static i => (ManagedDomainState)(i % 4));
        TimeSpan fromSnapshot;
        await using (ManagedDomainRegistry registry = _folder.Open())
        {
            Assert.Equal(Domains, registry.Count);
            Assert.Equal(Domains, registry.LoadReport.SnapshotRecords);
            Assert.Equal(Domains / 4, registry.CountIn(ManagedDomainState.Failed));
            fromSnapshot = registry.LoadReport.Elapsed;
        }

        // The same domains as a journal alone (a registry that never compacted, below the threshold of a larger one).
        File.Delete(Path.Combine(_folder.Directory, DomainSnapshotFile.FileName));
        File.Delete(Path.Combine(_folder.Directory, DomainJournal.FileName(1)));
        using (DomainJournal journal = DomainJournal.Create(_folder.Directory, 1))
        {
            byte[] frame = new byte[DomainRecordFormat.MaxFrameLength];
            foreach (ManagedDomain domain in RegistryFolder.Generate(Domains, static _ => ManagedDomainState.Valid))
            {
                journal.Append(frame.AsSpan(0, DomainRecordFormat.WritePut(domain, frame)));
            }

            journal.FlushToDisk();
        }

        TimeSpan fromJournal;
        long bytes = new FileInfo(Path.Combine(_folder.Directory, DomainJournal.FileName(1))).Length;
        await using (ManagedDomainRegistry registry = ManagedDomainRegistry.Open(_folder.Directory, _folder.Log, _folder.Clock))
        {
            Assert.Equal(Domains, registry.Count);
            Assert.Equal(Domains, registry.LoadReport.JournalRecords);
            fromJournal = registry.LoadReport.Elapsed;
        }

        output.WriteLine($"open with {Domains:N0} domains: {fromSnapshot.TotalMilliseconds:0} ms from the snapshot; "
            + $"{fromJournal.TotalMilliseconds:0} ms from a {bytes / 1024.0 / 1024.0:0.0} MiB journal");
        // Generous for a shared 2-core machine; measured figures are in the output above and the report.
        Assert.True(fromSnapshot < TimeSpan.FromSeconds(10), $"{fromSnapshot}");
        Assert.True(fromJournal < TimeSpan.FromSeconds(10), $"{fromJournal}");
    }

    [Fact]
    public async Task List_Over100000Domains_EachPageCostsLogNPlusPage_AndTheWalkReturnsEachDomainOnce()
    {
        ManagedDomain[] written = RegistryFolder.WriteSnapshot(_folder.Directory, Domains, static i => i % 10 == 7 ? ManagedDomainState.Failed : ManagedDomainState.Valid);
        await using ManagedDomainRegistry registry = _folder.Open();

        // log2(100,000) ≈ 17: a descent is a few dozen comparisons, a page one or two per item; walking the whole index
        // would be ~100,000.
        static long Budget(int page) => 200 + (4L * page);

        var seen = new List<string>(Domains);
        ManagedDomainCursor? cursor = null;
        int pages = 0;
        long worst = 0;
        do
        {
            long before = registry.IndexComparisons;
            ManagedDomainPage page = registry.List(null, cursor, 1000);
            long cost = registry.IndexComparisons - before;
            worst = Math.Max(worst, cost);
            Assert.True(cost <= Budget(1000), $"page {pages} cost {cost} comparisons");
            seen.AddRange(page.Items.Select(d => d.Name));
            cursor = page.Next;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(100, pages);
        Assert.Equal(written.Select(d => d.Name), seen); // every domain once, in name order

        // A page deep in a state's index costs the same as the first one.
        var failed = new List<string>();
        cursor = null;
        do
        {
            long before = registry.IndexComparisons;
            ManagedDomainPage page = registry.List(ManagedDomainState.Failed, cursor, 100);
            Assert.True(registry.IndexComparisons - before <= Budget(100), $"failed page cost {registry.IndexComparisons - before}");
            Assert.All(page.Items, d => Assert.Equal(ManagedDomainState.Failed, d.State));
            failed.AddRange(page.Items.Select(d => d.Name));
            cursor = page.Next;
        }
        while (cursor is not null);

        Assert.Equal(Domains / 10, failed.Count);
        Assert.Equal(failed.Count, failed.Distinct().Count());

        // A cursor whose domain was removed meanwhile resumes at the next name.
        ManagedDomainPage first = registry.List(null, null, 3);
        await registry.RemoveAsync(first.Items[2].Name);
        Assert.Equal(written[3].Name, registry.List(null, first.Next, 1).Items[0].Name);
        output.WriteLine($"worst page of 1,000 over {Domains:N0} domains: {worst} name comparisons");
    }

    [Fact]
    public void Cursor_RoundTripsAndRejectsWhatThisApiDidNotIssue()
    {
        ManagedDomainCursor cursor = ManagedDomainCursor.AfterName("click.shop.example");
        Assert.True(ManagedDomainCursor.TryParse(cursor.ToString(), out ManagedDomainCursor? parsed));
        Assert.Equal("click.shop.example", parsed.Value.After);
        Assert.DoesNotContain('=', cursor.ToString());
        Assert.False(ManagedDomainCursor.TryParse("not base64!", out _));
        Assert.False(ManagedDomainCursor.TryParse(Convert.ToBase64String("Not A Name"u8), out _));
        Assert.False(ManagedDomainCursor.TryParse(new string('A', 2000), out _));
        Assert.False(ManagedDomainCursor.TryParse("", out _));
    }
}
