using System.Buffers;
using System.Text;
using Terminator.Caching;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Http;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Caching;

/// <summary>The store on its own: lookups, fills and their waiters, expiry and the byte budget, and a hit's allocations.</summary>
public sealed class MicroCacheTests : IDisposable
{
    private readonly TerminatorMetrics _metrics = new();

    public void Dispose() => _metrics.Dispose();

    private MicroCache Create(TimeSpan ttl, long maxBytes = CacheOptions.DefaultMaxBytes) =>
        new(new CacheOptions { Ttl = ttl, MaxBytes = maxBytes }, _metrics);

    private static byte[] Key(string text) => Encoding.ASCII.GetBytes(text);

    private static CachedResponse Entry(CacheFill fill, int bodyLength = 4, int lifetimeMs = 10_000)
    {
        long now = MicroCache.Now;
        return new CachedResponse(fill.Key, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n"u8.ToArray(), new byte[bodyLength], 200, now, now + lifetimeMs);
    }

    [Fact]
    public void Lookup_MissThenStored_Hits()
    {
        MicroCache cache = Create(TimeSpan.FromSeconds(10));
        Assert.Equal(CacheLookupResult.Miss, cache.Lookup(Key("a"), out _, out CacheFill? fill));
        CachedResponse entry = Entry(fill!);
        cache.Complete(fill!, entry);

        Assert.Equal(CacheLookupResult.Hit, cache.Lookup(Key("a"), out CachedResponse? hit, out _));
        Assert.Same(entry, hit);
        Assert.Equal(entry.Size, cache.Bytes);
        Assert.Equal((1L, 1L), (_metrics.CacheHits, _metrics.CacheMisses));
    }

    [Fact]
    public async Task Lookup_WhileFilling_CoalescesOnTheSameFill_WhichHandsOverTheEntry()
    {
        MicroCache cache = Create(TimeSpan.FromSeconds(10));
        cache.Lookup(Key("a"), out _, out CacheFill? leader);
        Assert.Equal(CacheLookupResult.Coalesced, cache.Lookup(Key("a"), out _, out CacheFill? waiting));
        Assert.Same(leader, waiting);
        Assert.False(waiting!.Completion.IsCompleted);

        CachedResponse entry = Entry(leader!);
        cache.Complete(leader!, entry);

        Assert.Same(entry, await waiting.Completion.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Complete_WithNothingStorable_ReleasesWaitersAndTheKey()
    {
        MicroCache cache = Create(TimeSpan.FromSeconds(10));
        cache.Lookup(Key("a"), out _, out CacheFill? leader);
        cache.Lookup(Key("a"), out _, out CacheFill? waiting);
        cache.Complete(leader!, null);

        Assert.Null(await waiting!.Completion.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(CacheLookupResult.Miss, cache.Lookup(Key("a"), out _, out _));
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public async Task Lookup_AfterExpiry_LeadsARefill_AndTheExpiredEntryLeavesWithoutATimer()
    {
        MicroCache cache = Create(TimeSpan.FromSeconds(10));
        cache.Lookup(Key("a"), out _, out CacheFill? fill);
        CachedResponse entry = Entry(fill!, lifetimeMs: 50);
        cache.Complete(fill!, entry);
        Assert.True(await Eventually.TrueAsync(() => MicroCache.Now >= entry.ExpiresAt));

        Assert.Equal(CacheLookupResult.Expired, cache.Lookup(Key("a"), out _, out CacheFill? refill));
        Assert.Same(fill!.Key, refill!.Key);
        cache.Lookup(Key("b"), out _, out CacheFill? other);
        cache.Complete(other!, Entry(other!));   // any store sweeps the expired front of the queue

        Assert.Equal(1, cache.Entries);
        Assert.Equal(0, _metrics.CacheEvictions); // expiring is not evicting
    }

    [Fact]
    public void Complete_OverBudget_EvictsTheOldestFirst()
    {
        MicroCache cache = Create(TimeSpan.FromSeconds(10), maxBytes: 10_000);
        for (int i = 0; i < 100; i++)
        {
            cache.Lookup(Key($"k{i}"), out _, out CacheFill? fill);
            cache.Complete(fill!, Entry(fill!, bodyLength: 800));
            Assert.InRange(cache.Bytes, 0, 10_000);
        }

        Assert.Equal(CacheLookupResult.Hit, cache.Lookup(Key("k99"), out _, out _));
        Assert.Equal(CacheLookupResult.Miss, cache.Lookup(Key("k0"), out _, out _));
        Assert.True(_metrics.CacheEvictions >= 88, $"{_metrics.CacheEvictions}");
    }

    [Fact]
    public void Complete_EntryLargerThanTheBudget_NotStored()
    {
        MicroCache cache = Create(TimeSpan.FromSeconds(10), maxBytes: 1_000);
        cache.Lookup(Key("a"), out _, out CacheFill? fill);
        cache.Complete(fill!, Entry(fill!, bodyLength: 2_000));
        Assert.Equal((0L, 0L), (cache.Bytes, cache.Entries));
        Assert.Equal(CacheLookupResult.Miss, cache.Lookup(Key("a"), out _, out _));
    }

    [Fact]
    public void Hit_KeyBuiltFromTheRequest_LookedUpAndWritten_AllocatesNothing()
    {
        MicroCache cache = Create(TimeSpan.FromSeconds(60));
        using var request = new HttpRequestHead(HttpLimits.Default);
        byte[] raw = "GET /q/o.gif?rid=1 HTTP/1.1\r\nHost: t.example\r\nUser-Agent: Scanner/1.0\r\n\r\n"u8.ToArray();
        Assert.Equal(HttpParseResult.Complete, Http1RequestParser.TryParse(new ReadOnlySequence<byte>(raw), request, out _, out _));
        byte[] key = new byte[CacheKey.GetLength(request)];
        CacheKey.Write(key, request, https: true);
        cache.Lookup(key, out _, out CacheFill? fill);
        cache.Complete(fill!, Entry(fill!));
        var output = new ArrayBufferWriter<byte>(4096);

        long written = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++)
        {
            int length = CacheKey.Write(key, request, https: true);
            cache.Lookup(key.AsSpan(0, length), out CachedResponse? hit, out _);
            output.ResetWrittenCount();
            written += CachedResponseWriter.Write(output, hit!, hit!.AgeSeconds(MicroCache.Now), closeConnection: false, announceKeepAlive: false);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(4_000, written);
        Assert.Equal("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nAge: 0\r\n\r\n\0\0\0\0", Encoding.ASCII.GetString(output.WrittenSpan));
    }
}
