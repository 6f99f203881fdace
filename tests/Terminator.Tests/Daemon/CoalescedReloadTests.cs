using Terminator.Daemon;
using Terminator.Diagnostics;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Daemon;

/// <summary>The SIGHUP reload path (<see cref="ShutdownSignal"/> hands each SIGHUP to a <see cref="CoalescedReload"/>).</summary>
public sealed class CoalescedReloadTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Request_ReloadThrows_LogsOneErrorLineWithTheReason_AndTheNextRequestRunsAgain()
    {
        var log = new LogLines();
        int runs = 0;
        var reload = new CoalescedReload(() =>
        {
            Interlocked.Increment(ref runs);
            throw new IOException("cannot open directory '/var/lib/terminator/store'");
        }, log.Log);

        await reload.Request().WaitAsync(Bound); // observed: the run completes, it does not fault

        string line = Assert.Single(log.Lines);
        LogLines.LogEntry entry = LogLines.LogEntry.Parse(line);
        Assert.Equal(("error", "daemon"), (entry.Level, entry.Area));
        Assert.StartsWith("reload failed: cannot open directory '/var/lib/terminator/store'", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);

        // The daemon keeps running and the next SIGHUP reloads again.
        await reload.Request().WaitAsync(Bound);
        Assert.Equal(2, runs);
        Assert.Equal(2, log.Lines.Count);
    }

    [Fact]
    public async Task Request_ReloadFaultsAsynchronously_LoggedTheSameWay()
    {
        var log = new LogLines();
        var reload = new CoalescedReload(async () =>
        {
            await Task.Yield();
            throw new InvalidOperationException("rescan failed\nhalf-way");
        }, log.Log);

        await reload.Request().WaitAsync(Bound);

        Assert.StartsWith("reload failed: rescan failed half-way (InvalidOperationException)", Assert.Single(log.Entries).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_WhileRunning_CoalescesIntoOneMoreRun_NeverTwoAtOnce()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int runs = 0, running = 0, mostAtOnce = 0;
        var reload = new CoalescedReload(async () =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            if (Interlocked.Increment(ref runs) == 1)
            {
                await release.Task; // the first rescan is slow: SIGHUPs pile up behind it
            }

            Interlocked.Decrement(ref running);
        }, TerminatorLog.Silent);

        Task first = reload.Request();
        Assert.True(await Eventually.TrueAsync(() => Volatile.Read(ref runs) == 1));
        Task second = reload.Request();
        Task third = reload.Request();
        Task fourth = reload.Request();

        // Every request made during the run is covered by the one run that follows it.
        Assert.Same(first, second);
        Assert.Same(first, third);
        Assert.Same(first, fourth);
        Assert.False(first.IsCompleted);
        release.SetResult();
        await first.WaitAsync(Bound);

        Assert.Equal(2, runs);
        Assert.Equal(1, mostAtOnce);

        // Once idle, a new request starts a new run.
        await reload.Request().WaitAsync(Bound);
        Assert.Equal(3, runs);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen = Volatile.Read(ref target);
        while (value > seen)
        {
            int before = Interlocked.CompareExchange(ref target, value, seen);
            if (before == seen)
            {
                return;
            }

            seen = before;
        }
    }
}
