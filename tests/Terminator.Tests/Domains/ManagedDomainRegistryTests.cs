using Terminator.Domains;
using Terminator.Storage;

namespace Terminator.Tests.Domains;

public sealed class ManagedDomainRegistryTests : IDisposable
{
    private readonly RegistryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AddOrGet_IsIdempotent_AndChangesOnlyTheKeyTypes()
    {
        await using ManagedDomainRegistry registry = _folder.Open();
        var changes = new List<ManagedDomainChange>();
        registry.Changed += change => { lock (changes) { changes.Add(change); } };

        ManagedDomainAddResult first = await registry.AddOrGetAsync("Click.Shop.Example.");
        Assert.Equal(ManagedDomainAddStatus.Added, first.Status);
        Assert.Equal("click.shop.example", first.Domain.Name);
        Assert.Equal(ManagedDomainState.Pending, first.Domain.State);
        Assert.Equal(ManagedKeyTypes.Ecdsa, first.Domain.KeyTypes);
        Assert.Equal(_folder.Clock.Now, first.Domain.Added);

        _folder.Clock.Now += TimeSpan.FromMinutes(1);
        ManagedDomainAddResult again = await registry.AddOrGetAsync("click.shop.example");
        Assert.Equal(ManagedDomainAddStatus.AlreadyManaged, again.Status);
        Assert.Same(first.Domain, again.Domain);
        Assert.Equal(ManagedDomainAddStatus.AlreadyManaged, (await registry.AddOrGetAsync("click.shop.example", ManagedKeyTypes.Ecdsa)).Status);

        ManagedDomainAddResult both = await registry.AddOrGetAsync("click.shop.example", ManagedKeyTypes.Both);
        Assert.Equal(ManagedDomainAddStatus.KeyTypesChanged, both.Status);
        Assert.Equal(ManagedKeyTypes.Both, both.Domain.KeyTypes);
        Assert.Equal(first.Domain.Added, both.Domain.Added);
        Assert.Equal(_folder.Clock.Now, both.Domain.Updated);

        Assert.Equal(1, registry.Count);
        Assert.Equal(
            new ManagedDomainChange[] { new("click.shop.example", ManagedDomainChangeKind.Added), new("click.shop.example", ManagedDomainChangeKind.Updated) },
            changes);
        ArgumentException invalid = await Assert.ThrowsAsync<ArgumentException>(async () => await registry.AddOrGetAsync("*.shop.example"));
        Assert.StartsWith(DomainName.WildcardReason, invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reopen_RestoresEveryCommittedChange()
    {
        ManagedDomain expected;
        await using (ManagedDomainRegistry registry = _folder.Open())
        {
            await registry.AddOrGetAsync("a.example");
            await registry.AddOrGetAsync("b.example", ManagedKeyTypes.Rsa);
            await registry.AddOrGetAsync("c.example");
            _folder.Clock.Now += TimeSpan.FromSeconds(5);
            expected = (await registry.UpdateAsync("b.example", d => d with
            {
                State = ManagedDomainState.Failed,
                NotAfter = new DateTimeOffset(2026, 5, 30, 1, 2, 3, 456, TimeSpan.Zero).AddTicks(7), // sub-millisecond: dropped
                NextRenewal = _folder.Clock.Now.AddHours(1),
                LastError = "urn:ietf:params:acme:error:connection: Fetching http://b.example/.well-known/acme-challenge/x: Timeout — 超时\nsecond line",
                Attempts = 3,
                CertificateIds = ["b.example.rsa.0badc0de"],
            }))!;
            Assert.NotNull(await registry.RemoveAsync("c.example"));
            Assert.Null(await registry.RemoveAsync("c.example"));
        }

        Assert.Equal(new DateTimeOffset(2026, 5, 30, 1, 2, 3, 456, TimeSpan.Zero), expected.NotAfter);
        Assert.DoesNotContain('\n', expected.LastError!);
        await using (ManagedDomainRegistry reopened = _folder.Open())
        {
            Assert.Equal(2, reopened.Count);
            Assert.False(reopened.TryGet("c.example", out _));
            Assert.True(reopened.TryGet("b.example", out ManagedDomain? b));
            Assert.Equal(expected, b);
            Assert.Equal(1, reopened.CountIn(ManagedDomainState.Failed));
            Assert.Equal(new[] { "b.example" }, reopened.List(ManagedDomainState.Failed, null, 10).Items.Select(d => d.Name));
            Assert.Equal(5, reopened.LoadReport.JournalRecords);
            Assert.Equal(0, reopened.LoadReport.DiscardedBytes);
        }
    }

    [Fact]
    public async Task Update_MovesTheStateIndex_NeverResurrects_AndRefusesARename()
    {
        await using ManagedDomainRegistry registry = _folder.Open();
        await registry.AddOrGetAsync("x.example");
        int events = 0;
        registry.Changed += _ => Interlocked.Increment(ref events);

        ManagedDomain? valid = await registry.UpdateAsync("x.example", d => d with { State = ManagedDomainState.Valid });
        Assert.Equal(ManagedDomainState.Valid, valid!.State);
        Assert.Equal(0, registry.CountIn(ManagedDomainState.Pending));
        Assert.Equal(1, registry.CountIn(ManagedDomainState.Valid));
        Assert.Same(valid, await registry.UpdateAsync("x.example", d => d with { State = ManagedDomainState.Valid })); // no change: no write
        Assert.Equal(1, events);

        await Assert.ThrowsAsync<ArgumentException>(async () => await registry.UpdateAsync("x.example", d => d with { Name = "y.example" }));
        await registry.RemoveAsync("x.example");
        Assert.Null(await registry.UpdateAsync("x.example", d => d with { State = ManagedDomainState.Failed }));
        Assert.Equal(0, registry.Count);
        Assert.Empty(registry.List(null, null, 10).Items);
    }

    [Fact]
    public async Task ConcurrentWriters_AllChangesAreDurable()
    {
        await using (ManagedDomainRegistry registry = _folder.Open())
        {
            await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
            {
                await registry.AddOrGetAsync($"n{i}.example");
                await registry.UpdateAsync($"n{i}.example", d => d with { Attempts = i });
            })));
            Assert.Equal(64, registry.Count);
        }

        await using ManagedDomainRegistry reopened = _folder.Open();
        Assert.Equal(64, reopened.Count);
        Assert.All(Enumerable.Range(0, 64), i => Assert.Equal(i, reopened.TryGet($"n{i}.example", out ManagedDomain? d) ? d.Attempts : -1));
    }

    [Fact]
    public async Task Open_IgnoresATornTempFile_AndDropsATornJournalTail()
    {
        await using (ManagedDomainRegistry registry = _folder.Open())
        {
            await registry.AddOrGetAsync("kept1.example");
            await registry.AddOrGetAsync("kept2.example");
        }

        // A crash during compaction leaves a half-written temp snapshot; a crash during an append, half a frame.
        string temp = Path.Combine(_folder.Directory, AtomicFile.TempPrefix + "snapshot-0123456789abcdef");
        await File.WriteAllBytesAsync(temp, "TDOMSNP1\x01\x00\x00"u8.ToArray());
        string journal = Path.Combine(_folder.Directory, "journal-1");
        byte[] frame = new byte[DomainRecordFormat.MaxFrameLength];
        int length = DomainRecordFormat.WritePut(new ManagedDomain { Name = "torn.example" }, frame);
        await using (var append = new FileStream(journal, FileMode.Append))
        {
            await append.WriteAsync(frame.AsMemory(0, length - 5));
        }

        await using (ManagedDomainRegistry reopened = _folder.Open())
        {
            Assert.Equal(2, reopened.Count);
            Assert.False(reopened.TryGet("torn.example", out _));
            Assert.Equal(length - 5, reopened.LoadReport.DiscardedBytes);
            Assert.False(File.Exists(temp));
            Assert.Contains("interrupted write", _folder.LogText, StringComparison.Ordinal);
            await reopened.AddOrGetAsync("after.example"); // appended where the good records end, not after the torn bytes
        }

        await using ManagedDomainRegistry third = _folder.Open();
        Assert.Equal(3, third.Count);
        Assert.Equal(0, third.LoadReport.DiscardedBytes);
    }

    [Fact]
    public async Task Open_DamagedJournalRecord_KeepsWhatFollowsAside()
    {
        await using (ManagedDomainRegistry registry = _folder.Open())
        {
            await registry.AddOrGetAsync("one.example");
            await registry.AddOrGetAsync("two.example");
            await registry.AddOrGetAsync("three.example");
        }

        string journal = Path.Combine(_folder.Directory, "journal-1");
        byte[] bytes = await File.ReadAllBytesAsync(journal);
        int second = DomainRecordFormat.HeaderLength + DomainRecordFormat.FrameHeaderLength + BitConverter.ToInt32(bytes, DomainRecordFormat.HeaderLength);
        bytes[second + DomainRecordFormat.FrameHeaderLength + 3] ^= 0x20; // a flipped bit inside the second record's name
        await File.WriteAllBytesAsync(journal, bytes);

        await using ManagedDomainRegistry reopened = _folder.Open();
        Assert.True(reopened.TryGet("one.example", out _));
        Assert.Equal(1, reopened.Count);
        string aside = Assert.Single(_folder.FileNames(), n => n.StartsWith("damaged-journal-1-", StringComparison.Ordinal));
        Assert.Equal(bytes.Length - second, new FileInfo(Path.Combine(_folder.Directory, aside)).Length);
        Assert.Contains("damaged record", _folder.LogText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compaction_FoldsTheJournals_AndEveryCrashPointReplaysToTheSameState()
    {
        await using (ManagedDomainRegistry registry = _folder.Open())
        {
            await registry.AddOrGetAsync("a.example");
            await registry.AddOrGetAsync("b.example");
        }

        byte[] journal1 = await File.ReadAllBytesAsync(Path.Combine(_folder.Directory, "journal-1"));
        await using (ManagedDomainRegistry registry = _folder.Open())
        {
            registry.Compact();
            await registry.AddOrGetAsync("c.example");
            await registry.RemoveAsync("a.example");
        }

        Assert.Equal(new[] { "journal-2", "lock", "snapshot" }, _folder.FileNames());
        await AssertStateAsync();

        // Crash after the old journals were folded but before they were deleted: they are ignored (and deleted).
        await File.WriteAllBytesAsync(Path.Combine(_folder.Directory, "journal-1"), journal1);
        await AssertStateAsync();
        Assert.DoesNotContain("journal-1", _folder.FileNames());

        // Crash after the switch to journal-2 but before the snapshot was written: journal-1 then journal-2 replay.
        File.Delete(Path.Combine(_folder.Directory, "snapshot"));
        await File.WriteAllBytesAsync(Path.Combine(_folder.Directory, "journal-1"), journal1);
        await AssertStateAsync();

        async Task AssertStateAsync()
        {
            await using ManagedDomainRegistry reopened = _folder.Open();
            Assert.Equal(new[] { "b.example", "c.example" }, reopened.List(null, null, 10).Items.Select(d => d.Name));
        }
    }

    [Fact]
    public async Task Open_DamagedSnapshot_RefusesToStartWithAPartialList()
    {
        await using (ManagedDomainRegistry registry = _folder.Open())
        {
            await registry.AddOrGetAsync("a.example");
            registry.Compact();
        }

        string snapshot = Path.Combine(_folder.Directory, "snapshot");
        byte[] bytes = await File.ReadAllBytesAsync(snapshot);
        await File.WriteAllBytesAsync(snapshot, bytes[..^3]);
        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => _folder.Open());
        Assert.Contains(snapshot, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_FolderInUse_FailsWithTheReason()
    {
        await using ManagedDomainRegistry first = _folder.Open();
        IOException ex = Assert.Throws<IOException>(() => _folder.Open());
        Assert.Contains("in use by another process", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changed_AFailingHandler_IsLoggedAndTheWriteStands()
    {
        await using ManagedDomainRegistry registry = _folder.Open();
        registry.Changed += _ => throw new InvalidOperationException("handler bug");
        int seen = 0;
        registry.Changed += _ => seen++;

        await registry.AddOrGetAsync("h.example");

        Assert.Equal(1, seen);
        Assert.True(registry.TryGet("h.example", out _));
        Assert.Contains("handler bug", _folder.LogText, StringComparison.Ordinal);
    }
}
