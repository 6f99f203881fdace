using Microsoft.Extensions.Logging;
using Terminator.Certificates;
using Terminator.Diagnostics;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Certificates;

/// <summary>
/// Several certificates for one name: ECDSA for clients that offer it, RSA for the others, the newest valid one per
/// family, expired ones only as a logged last resort; and concurrent writers to one name losing nothing.
/// </summary>
public sealed class CertificateMapSelectionTests : IDisposable
{
    private static readonly DateTimeOffset s_now = DateTimeOffset.UtcNow;
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("Selection Test Root");

    public void Dispose() => _authority.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TryGet_EcdsaAndRsa_EachClientGetsItsFamily_WhateverTheSetOrder(bool rsaFirst)
    {
        var ecdsa = Issue(CertificateKeyType.EcdsaP256, -1, 60, "both.test");
        var rsa = Issue(CertificateKeyType.Rsa2048, -1, 60, "both.test");
        var map = new CertificateMap();
        map.SetAll(rsaFirst ? [rsa, ecdsa] : [ecdsa, rsa]);

        Assert.Equal(1, map.Count);
        Assert.True(map.TryGet("both.test"u8, clientAcceptsEcdsa: true, out var forEcdsa));
        Assert.True(map.TryGet("both.test"u8, clientAcceptsEcdsa: false, out var forRsa));
        Assert.True(map.TryGet("both.test", out var byDefault));
        Assert.Same(ecdsa, forEcdsa);
        Assert.Same(rsa, forRsa);
        Assert.Same(ecdsa, byDefault);   // the overloads without the flag assume a client that accepts ECDSA
    }

    [Fact]
    public void TryGet_SameFamily_NewestValidWins_NotTheLongestLived()
    {
        var older = Issue(CertificateKeyType.EcdsaP256, -20, 300, "renew.test");  // expires last, but issued first
        var newer = Issue(CertificateKeyType.EcdsaP256, -2, 60, "renew.test");
        var future = Issue(CertificateKeyType.EcdsaP256, 5, 90, "renew.test");   // newest, not valid yet
        var map = new CertificateMap();
        map.SetAll([future, older, newer]);

        Assert.True(map.TryGet("renew.test", out var served));
        Assert.Same(newer, served);
        Assert.Equal([future, newer, older], map.CandidatesOf("renew.test"));
    }

    [Fact]
    public void TryGet_ExpiredEcdsaValidRsa_EcdsaClientGetsValidRsa_NothingLogged()
    {
        var log = new LogLines(LogLevel.Warning);
        var expired = Issue(CertificateKeyType.EcdsaP256, -90, -1, "mixed.test");
        var rsa = Issue(CertificateKeyType.Rsa2048, -10, 80, "mixed.test");
        var map = new CertificateMap(log.Log);
        map.SetAll([expired, rsa]);

        Assert.True(map.TryGet("mixed.test", clientAcceptsEcdsa: true, out var served));
        Assert.Same(rsa, served);
        Assert.Empty(log.Lines);
    }

    [Fact]
    public void TryGet_NothingValid_ServesLatestExpiringOfClientFamily_AndWarnsOncePerCertificate()
    {
        var log = new LogLines(LogLevel.Warning);
        var ecdsaOld = Issue(CertificateKeyType.EcdsaP256, -200, -100, "stale.test");
        var ecdsaRecent = Issue(CertificateKeyType.EcdsaP256, -90, -2, "stale.test");
        var rsaExpired = Issue(CertificateKeyType.Rsa2048, -90, -1, "stale.test");
        var map = new CertificateMap(log.Log);
        map.SetAll([ecdsaOld, ecdsaRecent, rsaExpired]);

        for (int i = 0; i < 3; i++)
        {
            Assert.True(map.TryGet("stale.test", clientAcceptsEcdsa: true, out var forEcdsa));
            Assert.Same(ecdsaRecent, forEcdsa);
            Assert.True(map.TryGet("stale.test", clientAcceptsEcdsa: false, out var forRsa));
            Assert.Same(rsaExpired, forRsa);
        }

        string[] lines = [.. log.Entries.Select(e => $"{e.Level} [{e.Area}] {e.Message}")];
        Assert.Equal(2, lines.Length);
        Assert.All(lines, line => Assert.StartsWith("warn [certificates] certificate served outside its validity period (expired ", line, StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(ecdsaRecent.Source, StringComparison.Ordinal) && line.Contains("for stale.test", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(rsaExpired.Source, StringComparison.Ordinal));
    }

    [Fact]
    public void TryGet_RsaOnlyClient_PrefersExpiredRsaOverValidEcdsaItCannotUse()
    {
        // Documented choice: an ECDSA certificate is a certain handshake failure for this client; an expired RSA one is
        // a precise "expired" error for verifying clients and works for the many tracking fetchers that do not verify.
        var ecdsa = Issue(CertificateKeyType.EcdsaP256, -1, 60, "only-ecdsa-valid.test");
        var rsaExpired = Issue(CertificateKeyType.Rsa2048, -90, -1, "only-ecdsa-valid.test");
        var map = new CertificateMap();
        map.SetAll([ecdsa, rsaExpired]);

        Assert.True(map.TryGet("only-ecdsa-valid.test", clientAcceptsEcdsa: false, out var served));
        Assert.Same(rsaExpired, served);

        // With no RSA certificate at all, the ECDSA one is served to everyone (the single-family case).
        map.Remove(rsaExpired);
        Assert.True(map.TryGet("only-ecdsa-valid.test", clientAcceptsEcdsa: false, out served));
        Assert.Same(ecdsa, served);
    }

    [Fact]
    public void TryGet_ClockMoves_SelectionFollowsValidityWithoutReload()
    {
        var clock = new SettableClock(s_now);
        var current = Issue(CertificateKeyType.EcdsaP256, -80, 10, "clock.test");
        var renewal = Issue(CertificateKeyType.EcdsaP256, 5, 95, "clock.test");   // pre-issued, valid from day 5
        var map = new CertificateMap(timeProvider: clock);
        map.SetAll([current, renewal]);

        Assert.True(map.TryGet("clock.test", out var served));
        Assert.Same(current, served);

        clock.Now = s_now.AddDays(6);
        Assert.True(map.TryGet("clock.test", out served));
        Assert.Same(renewal, served);

        clock.Now = s_now.AddDays(200);   // both expired: the one expiring last
        Assert.True(map.TryGet("clock.test", out served));
        Assert.Same(renewal, served);
    }

    [Fact]
    public void TryGet_ExactNameWithNothingUsable_FallsBackToValidWildcard()
    {
        var exactExpired = Issue(CertificateKeyType.EcdsaP256, -90, -1, "a.wild.test");
        var exactRsa = Issue(CertificateKeyType.Rsa2048, -1, 60, "b.wild.test");
        var wildcard = Issue(CertificateKeyType.EcdsaP256, -1, 60, "*.wild.test");
        var map = new CertificateMap();
        map.SetAll([exactExpired, exactRsa, wildcard]);

        Assert.True(map.TryGet("a.wild.test", out var served));
        Assert.Same(wildcard, served);                  // valid wildcard beats an expired exact certificate
        Assert.True(map.TryGet("b.wild.test", clientAcceptsEcdsa: true, out served));
        Assert.Same(exactRsa, served);                  // a valid exact certificate still beats the wildcard
        Assert.True(map.TryGet("b.wild.test", clientAcceptsEcdsa: false, out served));
        Assert.Same(exactRsa, served);
    }

    [Fact]
    public void TryGet_NameWithOneCertificateOfTheWrongFamily_RsaOnlyClientTakesTheWildcard_UntilItIsRemoved()
    {
        // A name holding a single certificate is stored without a candidate array: the same rules must hold.
        var exactEcdsa = Issue(CertificateKeyType.EcdsaP256, -1, 60, "a.single.test");
        var wildcardRsa = Issue(CertificateKeyType.Rsa2048, -1, 60, "*.single.test");
        var map = new CertificateMap();
        map.SetAll([exactEcdsa, wildcardRsa]);

        Assert.True(map.TryGet("a.single.test", clientAcceptsEcdsa: false, out var served));
        Assert.Same(wildcardRsa, served);               // the client cannot verify the exact name's ECDSA certificate
        Assert.True(map.TryGet("a.single.test", clientAcceptsEcdsa: true, out served));
        Assert.Same(exactEcdsa, served);

        map.Remove(wildcardRsa);
        Assert.True(map.TryGet("a.single.test", clientAcceptsEcdsa: false, out served));
        Assert.Same(exactEcdsa, served);                // nothing usable left: the only certificate, as before
        Assert.False(map.TryGet("b.single.test", clientAcceptsEcdsa: false, out _));

        map.Remove(exactEcdsa);
        Assert.Empty(map.CandidatesOf("a.single.test"));
        Assert.Equal(0, map.Count);
    }

    [Fact]
    public void Set_SameSource_ReplacesItsCandidate_RepeatedReloadsDoNotAccumulate()
    {
        var map = new CertificateMap();
        var rsa = Issue(CertificateKeyType.Rsa2048, -1, 60, "reload.test");
        map.Set(rsa);
        CertificateEntry? last = null;
        for (int i = 0; i < 3; i++)
        {
            // What SIGHUP does with the store: fresh entry objects from the same files.
            IssuedCertificate issued = _authority.Issue(["reload.test"]);
            last = CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "store:reload-ecdsa");
            map.Set(last);
        }

        Assert.Equal(2, map.CandidatesOf("reload.test").Length);
        Assert.Contains(last!, map.CandidatesOf("reload.test"));
        Assert.Contains(rsa, map.CandidatesOf("reload.test"));
    }

    [Fact]
    public void SetNewThenRemoveOld_AsTheWatcherDoes_KeepsTheOtherFamily()
    {
        var map = new CertificateMap();
        var rsa = Issue(CertificateKeyType.Rsa2048, -1, 60, "watch.test");
        var oldEcdsa = Issue(CertificateKeyType.EcdsaP256, -30, 60, "watch.test", "gone.watch.test");
        var newEcdsa = Issue(CertificateKeyType.EcdsaP256, -1, 90, "watch.test");
        map.SetAll([rsa, oldEcdsa]);

        map.Set(newEcdsa);
        map.Remove(oldEcdsa);

        Assert.Equal([newEcdsa, rsa], map.CandidatesOf("watch.test"));
        Assert.False(map.TryGet("gone.watch.test", out _));
        Assert.True(map.TryGet("watch.test", clientAcceptsEcdsa: false, out var served));
        Assert.Same(rsa, served);
    }

    [Fact]
    public void TryGet_TwoFamiliesExactWildcardMiss_AllocateNothing()
    {
        var map = new CertificateMap();
        var ecdsa = Issue(CertificateKeyType.EcdsaP256, -1, 60, "click.shop.com", "*.shop.com");
        var rsa = Issue(CertificateKeyType.Rsa2048, -1, 60, "click.shop.com", "*.shop.com");
        map.SetAll([ecdsa, rsa]);
        byte[][] hosts = ["click.shop.com"u8.ToArray(), "x.shop.com"u8.ToArray(), "a.b.shop.com"u8.ToArray()];
        int Lookups()
        {
            int hits = 0;
            foreach (byte[] host in hosts)
            {
                hits += map.TryGet(host, clientAcceptsEcdsa: true, out _) ? 1 : 0;
                hits += map.TryGet(host, clientAcceptsEcdsa: false, out _) ? 1 : 0;
            }

            return hits;
        }

        Lookups();
        long before = GC.GetAllocatedBytesForCurrentThread();
        int total = 0;
        for (int i = 0; i < 10_000; i++)
        {
            total += Lookups();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(40_000, total);
    }

    [Fact]
    public async Task SetAndRemove_ConcurrentOnOneName_NoUpdateLostAndReadersNeverSeeAGap()
    {
        // Four writers churn their own certificates on one name while one RSA certificate stays. A plain
        // read-modify-write (no compare-and-swap) loses candidates here within milliseconds.
        const int Writers = 4;
        var map = new CertificateMap();
        var permanent = Issue(CertificateKeyType.Rsa2048, -1, 60, "race.test");
        map.Set(permanent);
        var owned = new CertificateEntry[Writers][];
        for (int w = 0; w < Writers; w++)
        {
            owned[w] = [Issue(CertificateKeyType.EcdsaP256, -1, 60 + w, "race.test"), Issue(CertificateKeyType.EcdsaP256, -2, 60 + w, "race.test")];
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
        Task[] writers = new Task[Writers];
        for (int w = 0; w < Writers; w++)
        {
            CertificateEntry[] mine = owned[w];
            writers[w] = Task.Factory.StartNew(() =>
            {
                for (int i = 0; !stop.IsCancellationRequested; i++)
                {
                    map.Set(mine[i & 1]);
                    map.Remove(mine[(i + 1) & 1]);
                }

                map.Set(mine[0]);
                map.Set(mine[1]);
            }, TaskCreationOptions.LongRunning);
        }

        int misses = 0, rsaMisses = 0, reads = 0;
        while (!stop.IsCancellationRequested)
        {
            misses += map.TryGet("race.test"u8, clientAcceptsEcdsa: true, out _) ? 0 : 1;
            rsaMisses += map.TryGet("race.test"u8, clientAcceptsEcdsa: false, out var forRsa) && ReferenceEquals(forRsa, permanent) ? 0 : 1;
            reads++;
        }

        await Task.WhenAll(writers);
        Assert.True(reads > 0);
        Assert.Equal(0, misses);
        Assert.Equal(0, rsaMisses);
        Assert.Equal(1 + (2 * Writers), map.CandidatesOf("race.test").Length);

        // And all removals land too: only the permanent certificate is left.
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            map.Remove(owned[w][0]);
            map.Remove(owned[w][1]);
        })));
        Assert.Equal([permanent], map.CandidatesOf("race.test"));
        map.Remove(permanent);
        Assert.Equal(0, map.Count);
    }

    private CertificateEntry Issue(CertificateKeyType keyType, int notBeforeDays, int notAfterDays, params string[] names)
    {
        IssuedCertificate issued = _authority.Issue(names, keyType, s_now.AddDays(notBeforeDays), s_now.AddDays(notAfterDays));
        string source = $"memory:{keyType}:{notBeforeDays}:{notAfterDays}:{names[0]}:{Guid.NewGuid():N}";
        return CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, source);
    }

    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
