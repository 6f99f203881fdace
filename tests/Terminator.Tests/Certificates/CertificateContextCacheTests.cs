using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;
using Terminator.Tls;

namespace Terminator.Tests.Certificates;

/// <summary>The bounded context cache: never above capacity, and entries that keep seeing handshakes stay
/// materialised while one-off entries cycle through. Deterministic: materialisation is driven synchronously.</summary>
public sealed class CertificateContextCacheTests : IDisposable
{
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Cache Test CA");
    private readonly CertificateMaterial _material;

    public CertificateContextCacheTests()
    {
        IssuedCertificate issued = _authority.Issue(["cache.test"]);
        _material = PemCertificateReader.CreateMaterial(issued.ChainPem, issued.PrivateKeyPem, "cache");
    }

    public void Dispose() => _authority.Dispose();

    [Fact]
    public async Task Admit_ManyColdEntries_CountNeverExceedsCapacityAndHotEntrySurvives()
    {
        var cache = new CertificateContextCache(4);
        var source = new FixedMaterialSource(_material);
        CertificateEntry hot = Entry("hot.cache.test", source, cache);
        _ = hot.ServerOptions;

        var cold = new List<CertificateEntry>();
        for (int i = 0; i < 50; i++)
        {
            // A handshake for the hot domain between every cold one: its reference bit is always set when the hand arrives.
            Assert.True((await hot.GetServerOptionsAsync(CancellationToken.None)).ServerCertificateContext is not null);
            CertificateEntry entry = Entry($"c{i}.cache.test", source, cache);
            _ = entry.ServerOptions;
            cold.Add(entry);

            Assert.True(cache.Count <= 4, $"cache holds {cache.Count} entries after {i + 1} admissions");
            Assert.True(hot.IsMaterialized, $"hot entry evicted after {i + 1} cold admissions");
        }

        Assert.Equal(51, cache.Admitted);
        Assert.Equal(51 - 4, cache.Evicted);
        Assert.Equal(4, cache.Count);
        Assert.Equal(3, cold.Count(e => e.IsMaterialized));
        Assert.Equal(51, source.Loads);
    }

    [Fact]
    public void Admit_NoHits_EvictsInAdmissionOrder()
    {
        var cache = new CertificateContextCache(3);
        var source = new FixedMaterialSource(_material);
        CertificateEntry[] entries = [.. Enumerable.Range(0, 5).Select(i => Entry($"e{i}.cache.test", source, cache))];

        foreach (CertificateEntry entry in entries)
        {
            _ = entry.ServerOptions;
        }

        Assert.Equal([false, false, true, true, true], entries.Select(e => e.IsMaterialized));
    }

    [Fact]
    public async Task EvictedEntry_NextHandshakeMaterialisesAgain()
    {
        var cache = new CertificateContextCache(1);
        var source = new FixedMaterialSource(_material);
        CertificateEntry a = Entry("a.cache.test", source, cache);
        CertificateEntry b = Entry("b.cache.test", source, cache);

        var first = await a.GetServerOptionsAsync(CancellationToken.None);
        _ = await b.GetServerOptionsAsync(CancellationToken.None);
        Assert.False(a.IsMaterialized);
        var again = await a.GetServerOptionsAsync(CancellationToken.None);

        Assert.NotSame(first, again);
        Assert.True(a.IsMaterialized);
        Assert.False(b.IsMaterialized);
        Assert.Equal(3, source.Loads);
    }

    [Fact]
    public async Task MaterialisedEntry_PinsTheRuntimesSslContext_UntilEvicted()
    {
        var cache = new CertificateContextCache(1);
        var source = new FixedMaterialSource(_material);
        CertificateEntry a = Entry("a.cache.test", source, cache);
        CertificateEntry b = Entry("b.cache.test", source, cache);

        _ = await a.GetServerOptionsAsync(CancellationToken.None);
        SslContextPin pin = Assert.IsType<SslContextPin>(a.SslContextPin);
        Assert.True(await Eventually.TrueAsync(() => pin.IsHeld), "the pin did not hold");
        Assert.True(pin.IsRent, "the pin is the fallback half-handshake, not a rent on the runtime's handle");
        // Absence check, so an explicit window: nothing signals "still holding". A regression that ends the pin on its
        // own (for the fallback: an end of stream, a timeout, a late failure on the hello) shows within a second.
        Assert.True(await Consistently.TrueAsync(() => pin.IsHeld, TimeSpan.FromSeconds(1)), "the pin ended on its own");

        _ = await b.GetServerOptionsAsync(CancellationToken.None);

        Assert.False(a.IsMaterialized);
        Assert.False(pin.IsHeld);
        Assert.True(await Eventually.TrueAsync(() => b.SslContextPin?.IsHeld == true), "the new entry's context was not pinned");
    }

    [Fact]
    public void CertificateLeavingTheMap_FreesItsSlotAtOnce()
    {
        var cache = new CertificateContextCache(8);
        var source = new FixedMaterialSource(_material);
        var map = new CertificateMap();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        // Same source: the second is the first one's renewal (a reloaded file or store entry).
        var old = new CertificateEntry(["renew.cache.test"], now.AddDays(-60), now.AddDays(30), "ECDSA P-256", "test:renew", source, cache);
        var renewed = new CertificateEntry(["renew.cache.test"], now.AddDays(-1), now.AddDays(89), "ECDSA P-256", "test:renew", source, cache);
        CertificateEntry removed = Entry("gone.cache.test", source, cache);
        map.Set(old);
        map.Set(removed);
        _ = old.ServerOptions;
        _ = removed.ServerOptions;
        Assert.Equal(2, cache.Count);

        map.Set(renewed);
        Assert.False(old.IsMaterialized);
        map.Remove(removed);
        Assert.False(removed.IsMaterialized);

        Assert.Equal(0, cache.Count);
        Assert.True(map.TryGet("renew.cache.test", out CertificateEntry? served) && ReferenceEquals(served, renewed));
    }

    internal static CertificateEntry Entry(string name, ICertificateMaterialSource source, CertificateContextCache cache) =>
        new([name], DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), "ECDSA P-256", "test:" + name, source, cache);

    /// <summary>Returns the same loaded certificate for every entry and counts loads.</summary>
    internal sealed class FixedMaterialSource(CertificateMaterial material) : ICertificateMaterialSource
    {
        private int _loads;

        public int Loads => Volatile.Read(ref _loads);

        public ValueTask<CertificateMaterial> LoadAsync(CertificateEntry entry, CancellationToken cancellationToken) => ValueTask.FromResult(Load(entry));

        public CertificateMaterial Load(CertificateEntry entry)
        {
            Interlocked.Increment(ref _loads);
            return material;
        }
    }
}
