using System.Diagnostics;
using Terminator.Listener;

namespace Terminator.Tests.Listener;

/// <summary>The timeout idle connections share: never early, one token per slice, and a stop cancels every wait.</summary>
public sealed class SharedTimeoutTests
{
    [Fact]
    public async Task AWaitThatJoinsASliceLate_StillWaitsItsWholeLength()
    {
        // 1.6 s with 100 ms slices. The wait that matters takes the token some way into a slice another wait started:
        // a slice timed from its start (not from its end) would fire that much early for it.
        using var stopping = new CancellationTokenSource();
        using var timeout = new SharedTimeout(TimeSpan.FromMilliseconds(1600), stopping.Token);
        Assert.Equal(TimeSpan.FromMilliseconds(100), timeout.SliceLength);

        CancellationToken late = default;
        long takenAt = 0;
        for (int attempt = 0; attempt < 50 && takenAt == 0; attempt++)
        {
            CancellationToken first = timeout.Token;
            await Task.Delay(40);
            long now = Stopwatch.GetTimestamp();
            CancellationToken second = timeout.Token;
            if (second == first)
            {
                (late, takenAt) = (second, now);
            }
        }

        Assert.True(takenAt != 0, "no two waits 40 ms apart fell into one 100 ms slice in 50 tries");
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (late.Register(() => fired.SetResult()))
        {
            await fired.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }

        // Timers and Environment.TickCount64 tick coarsely (4-10 ms): allow that much, well under the 40 ms a slice timed
        // from its start would be early by.
        TimeSpan waited = Stopwatch.GetElapsedTime(takenAt);
        Assert.True(waited >= TimeSpan.FromMilliseconds(1585), $"the token fired {waited.TotalMilliseconds:F1} ms after the wait took it, before its 1,600 ms");
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
        // A length no descheduling of the test thread reaches between taking the next token and looking at it.
        using var timeout = new SharedTimeout(TimeSpan.FromMilliseconds(300), stopping.Token);
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
        // One SharedTimeout per length: back-to-back waits of one length share a slice's token (at most one boundary).
        var idleTokens = new HashSet<CancellationToken>();
        for (int i = 0; i < 1000; i++)
        {
            idleTokens.Add(drain.SharedTimeoutToken(TimeSpan.FromMinutes(1)));
        }

        Assert.InRange(idleTokens.Count, 1, 2);

        Assert.True(await drain.DrainAsync(TimeSpan.FromSeconds(1)));
        Assert.True(idle.IsCancellationRequested && header.IsCancellationRequested, "the drain's start left an idle wait running");
    }
}
