using System.Diagnostics;
using Terminator.Listener;

namespace Terminator.Tests.Listener;

/// <summary>The timeout idle connections share: never early, one token per slice, and a stop cancels every wait.</summary>
public sealed class SharedTimeoutTests
{
    [Fact]
    public async Task AToken_FiresNoSoonerThanItsLength()
    {
        using var stopping = new CancellationTokenSource();
        using var timeout = new SharedTimeout(TimeSpan.FromMilliseconds(200), stopping.Token);
        Assert.Equal(TimeSpan.FromMilliseconds(12), timeout.SliceLength);

        long started = Stopwatch.GetTimestamp();
        CancellationToken token = timeout.Token;
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (token.Register(() => fired.SetResult()))
        {
            await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        // Timers and Environment.TickCount64 tick coarsely (a few ms on Linux): allow that much, not a slice.
        TimeSpan waited = Stopwatch.GetElapsedTime(started);
        Assert.True(waited >= TimeSpan.FromMilliseconds(195), $"the token fired after {waited.TotalMilliseconds:F1} ms, before its 200 ms");
    }

    [Fact]
    public void WaitsStartedWithinOneSlice_ShareOneToken()
    {
        using var stopping = new CancellationTokenSource();
        using var timeout = new SharedTimeout(TimeSpan.FromSeconds(10), stopping.Token);

        // 625 ms slices: a thousand back-to-back waits span at most one slice boundary.
        var tokens = new HashSet<CancellationToken>();
        for (int i = 0; i < 1000; i++)
        {
            tokens.Add(timeout.Token);
        }

        Assert.InRange(tokens.Count, 1, 2);
    }

    [Fact]
    public async Task AfterASliceFired_TheNextWaitGetsAFreshToken()
    {
        using var stopping = new CancellationTokenSource();
        using var timeout = new SharedTimeout(TimeSpan.FromMilliseconds(20), stopping.Token);
        CancellationToken first = timeout.Token;
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (first.Register(() => fired.SetResult()))
        {
            await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        CancellationToken next = timeout.Token;
        Assert.NotEqual(first, next);
        Assert.False(next.IsCancellationRequested, "a wait that starts now was handed a token that had already fired");
    }

    [Fact]
    public void Stopping_CancelsEveryWaitingTokenAndEveryLaterOne()
    {
        using var stopping = new CancellationTokenSource();
        using var timeout = new SharedTimeout(TimeSpan.FromHours(1), stopping.Token);
        CancellationToken waiting = timeout.Token;
        Assert.False(waiting.IsCancellationRequested);

        stopping.Cancel();

        Assert.True(waiting.IsCancellationRequested, "a wait under way outlived the server's stop");
        Assert.True(timeout.Token.IsCancellationRequested, "a wait that starts after the stop was not cancelled");
    }

    [Fact]
    public async Task TheDrain_KeepsOneSharedTimeoutPerLength()
    {
        using var drain = new ConnectionDrain();
        CancellationToken idle = drain.SharedTimeoutToken(TimeSpan.FromMinutes(1));
        CancellationToken header = drain.SharedTimeoutToken(TimeSpan.FromSeconds(10));
        Assert.NotEqual(idle, header);
        Assert.Equal(idle, drain.SharedTimeoutToken(TimeSpan.FromMinutes(1)));

        Assert.True(await drain.DrainAsync(TimeSpan.FromSeconds(1)));
        Assert.True(idle.IsCancellationRequested && header.IsCancellationRequested, "the drain's start left an idle wait running");
    }
}
