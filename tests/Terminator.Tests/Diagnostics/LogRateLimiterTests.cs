using Microsoft.Extensions.Logging;
using Terminator.Diagnostics;
using Terminator.Tests.TestHelpers;
using Terminator.Tls;

namespace Terminator.Tests.Diagnostics;

public sealed class LogRateLimiterTests
{
    [Fact]
    public async Task TryAcquire_OneLinePerCausePerInterval_NextLineCarriesWhatWasHeldBack()
    {
        var limiter = new LogRateLimiter(TimeSpan.FromMilliseconds(300));
        DateTime before = DateTime.UtcNow;

        Assert.True(limiter.TryAcquire(500, 1, out LogSuppression first));
        Assert.Equal(0, first.Count);
        Assert.Equal("", first.ToString());
        for (int i = 0; i < 5; i++)
        {
            Assert.False(limiter.TryAcquire(500, 1, out _));
        }

        Assert.True(limiter.TryAcquire(500, 2, out _));   // another cause of the same event has its own budget
        Assert.True(limiter.TryAcquire(501, 1, out _));   // so has the same cause of another event
        Assert.Equal(5, limiter.Suppressed);

        LogSuppression held = default;
        Assert.True(await Eventually.TrueAsync(() => limiter.TryAcquire(500, 1, out held)));
        Assert.True(held.Count >= 5);
        Assert.Equal(held.Count, limiter.Suppressed);
        Assert.InRange(held.Since, before.AddMilliseconds(-1), DateTime.UtcNow);
        Assert.Matches(@"^ \(suppressed \d+ similar since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\)$", held.ToString());
        Assert.False(limiter.TryAcquire(500, 1, out _)); // and a new interval starts
    }

    [Fact]
    public void TryAcquire_FloodOfDistinctCauses_OutputStaysBoundedByTheTable()
    {
        var limiter = new LogRateLimiter(TimeSpan.FromMinutes(10));
        int allowed = 0;
        for (int cause = 0; cause < 200_000; cause++)
        {
            if (limiter.TryAcquire(1002, cause, out _))
            {
                allowed++;
            }
        }

        // 256 sets x 4 ways: a peer cycling through addresses cannot write more than that per interval.
        Assert.InRange(allowed, 1, 1024);
        Assert.Equal(200_000 - allowed, limiter.Suppressed);
    }

    [Fact]
    public void HeldBackLine_AllocatesNothing()
    {
        var log = new LogLines(LogLevel.Information);
        const string Source = "/var/lib/terminator/store/gone.tcert";
        TlsLog.CertificateLoadFailed(log.Log, Source, "file not found");
        TlsLog.CertificateLoadFailed(log.Log, Source, "file not found"); // warm: the held-back path is compiled

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            TlsLog.CertificateLoadFailed(log.Log, Source, "file not found");
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Single(log.Lines);
        Assert.Equal(10_001, log.Log.SuppressedLines);
    }
}
