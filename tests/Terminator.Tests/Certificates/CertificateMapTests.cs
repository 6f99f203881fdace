using System.Text;
using Terminator.Certificates;
using Terminator.Samples.Certificates;

namespace Terminator.Tests.Certificates;

public sealed class CertificateMapTests : IDisposable
{
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Map Test Root");

    public void Dispose() => _authority.Dispose();

    [Theory]
    [InlineData("a.example.com", "wild")]
    [InlineData("www.example.com", "exact")]
    [InlineData("A.Example.COM", "wild")]
    [InlineData("WWW.EXAMPLE.COM", "exact")]
    [InlineData("a.example.com.", "wild")]
    [InlineData("example.com", null)]
    [InlineData("a.b.example.com", null)]
    [InlineData(".example.com", null)]
    [InlineData("*.example.com", null)]
    [InlineData("example.com.evil", null)]
    [InlineData("aexample.com", null)]
    [InlineData("", null)]
    [InlineData(".", null)]
    [InlineData("localhost", null)]
    public void TryGet_WildcardRules_MatchExactlyOneLabel(string host, string? expected)
    {
        var map = new CertificateMap();
        var wild = CertificateTestHelpers.Entry(_authority, "*.example.com");
        var exact = CertificateTestHelpers.Entry(_authority, "www.example.com");
        map.Set(wild);
        map.Set(exact);
        var expectedEntry = expected switch { "wild" => wild, "exact" => exact, _ => null };

        var foundByString = map.TryGet(host, out var byString);
        var foundByBytes = map.TryGet(Encoding.ASCII.GetBytes(host), out var byBytes);

        Assert.Equal(expectedEntry is not null, foundByString);
        Assert.Equal(expectedEntry is not null, foundByBytes);
        Assert.Same(expectedEntry, byString);
        Assert.Same(expectedEntry, byBytes);
    }

    [Fact]
    public void TryGet_TooLongOrNonAscii_Misses()
    {
        var map = new CertificateMap();
        map.Set(CertificateTestHelpers.Entry(_authority, "*.example.com"));
        var tooLong = new string('a', 256 - ".example.com".Length) + ".example.com";
        Assert.False(map.TryGet(tooLong, out _));
        Assert.False(map.TryGet(Encoding.ASCII.GetBytes(tooLong), out _));
        Assert.False(map.TryGet("é.example.com", out _));
        Assert.False(map.TryGet(Encoding.UTF8.GetBytes("é.example.com"), out _));
        var longest = new string('a', 63) + ".example.com";
        Assert.True(map.TryGet(Encoding.ASCII.GetBytes(longest), out _));
    }

    [Fact]
    public void TryGet_ExactWildcardAndMiss_AllocateNothing()
    {
        var map = new CertificateMap();
        map.Set(CertificateTestHelpers.Entry(_authority, "click.shop.com", "*.shop.com"));
        for (var i = 0; i < 5; i++)
        {
            map.Set(CertificateTestHelpers.Entry(_authority, $"n{i}.filler.test"));
        }

        var exact = "click.shop.com"u8.ToArray();
        var wildcard = "x.shop.com"u8.ToArray();
        var miss = "a.b.shop.com"u8.ToArray();
        for (var i = 0; i < 100; i++)
        {
            Lookup(map, exact, wildcard, miss);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var hits = 0;
        for (var i = 0; i < 10_000; i++)
        {
            hits += Lookup(map, exact, wildcard, miss);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(20_000, hits);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Reserve_SizesAnEmptyMapOnce_AndLeavesAFilledOneAlone()
    {
        const int Names = 20_000;
        var choice = CertificateChoice.Create(CertificateTestHelpers.Entry(_authority, "n.test"));
        string[] keys = [.. Enumerable.Range(0, Names).Select(i => $"n{i}.test")];
        long Fill(CertificateMap map)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            foreach (string key in keys)
            {
                map.SetName(key, choice);
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        long grown = Fill(new CertificateMap());
        var reserved = new CertificateMap();
        reserved.Reserve(Names);
        long presized = Fill(reserved);

        // Presized, a fill allocates its nodes once; grown by doubling, every node again at each step, and the buckets.
        Assert.True(presized * 4 < grown * 3, $"presized fill allocated {presized} B, grown {grown} B");
        Assert.True(reserved.TryGet("n19999.test", out _));
        reserved.Reserve(Names * 10);
        Assert.Equal(Names, reserved.Count);
        Assert.True(reserved.TryGet("n0.test", out _));
    }

    [Fact]
    public void Set_ReplacesNamesAndRemove_OnlyRemovesNamesStillOwned()
    {
        var map = new CertificateMap();
        var first = CertificateTestHelpers.Entry(_authority, "a.test", "b.test");
        var second = CertificateTestHelpers.Entry(_authority, "b.test", "c.test");
        map.Set(first);
        map.Set(second);
        Assert.Equal(3, map.Count);
        Assert.True(map.TryGet("b.test", out var owner));
        Assert.Same(second, owner);

        map.Remove(first);

        Assert.Equal(2, map.Count);
        Assert.False(map.TryGet("a.test", out _));
        Assert.True(map.TryGet("b.test", out owner));
        Assert.Same(second, owner);
        map.Remove(second);
        Assert.Equal(0, map.Count);
    }

    [Fact]
    public async Task Set_ConcurrentReplacement_ReadersNeverSeeAGap()
    {
        var map = new CertificateMap();
        var entries = new[]
        {
            CertificateTestHelpers.Entry(_authority, "hot.test", "*.hot.test"),
            CertificateTestHelpers.Entry(_authority, "hot.test", "*.hot.test"),
        };
        map.Set(entries[0]);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var writer = Task.Run(() =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                map.Set(entries[i & 1]);
            }
        });

        var misses = 0;
        var reads = 0;
        var host = "hot.test"u8.ToArray();
        var wildHost = "x.hot.test"u8.ToArray();
        while (!stop.IsCancellationRequested)
        {
            misses += map.TryGet(host, out _) ? 0 : 1;
            misses += map.TryGet(wildHost, out _) ? 0 : 1;
            reads += 2;
        }

        await writer;
        Assert.True(reads > 0);
        Assert.Equal(0, misses);
    }

    private static int Lookup(CertificateMap map, byte[] exact, byte[] wildcard, byte[] miss)
    {
        var hits = 0;
        hits += map.TryGet(exact, out _) ? 1 : 0;
        hits += map.TryGet(wildcard, out _) ? 1 : 0;
        hits += map.TryGet(miss, out _) ? 1 : 0;
        return hits;
    }
}
