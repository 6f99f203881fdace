using Terminator.Listener;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Listener;

/// <summary>The drain's pool of request timeout sources: what a connection between requests gives back, and what may be
/// handed to the next request.</summary>
public sealed class ConnectionDrainTests
{
    [Fact]
    public void AReturnedSourceThatNeverFired_IsReusedWithoutWhatItsLastUserRegistered()
    {
        using var drain = new ConnectionDrain();
        CancellationTokenSource first = drain.RentRequestTimeout();
        first.CancelAfter(TimeSpan.FromMinutes(1));
        bool previousUserCalled = false;
        first.Token.Register(() => previousUserCalled = true);
        drain.ReturnRequestTimeout(first);
        Assert.Equal(1, drain.PooledRequestTimeouts);

        CancellationTokenSource second = drain.RentRequestTimeout();
        Assert.Same(first, second);
        Assert.Equal(0, drain.PooledRequestTimeouts);
        Assert.False(second.IsCancellationRequested);
        second.Cancel();
        Assert.False(previousUserCalled, "a callback of the source's previous user ran on the next user's cancellation");
    }

    [Fact]
    public async Task AReturnedSourceWhoseTimerFired_IsDisposedNotReused()
    {
        using var drain = new ConnectionDrain();
        CancellationTokenSource fired = drain.RentRequestTimeout();
        fired.CancelAfter(TimeSpan.FromMilliseconds(1));
        Assert.True(await Eventually.TrueAsync(() => fired.IsCancellationRequested, TimeSpan.FromSeconds(5)));
        drain.ReturnRequestTimeout(fired);
        Assert.Equal(0, drain.PooledRequestTimeouts);
        Assert.Throws<ObjectDisposedException>(() => fired.Token);
        Assert.NotSame(fired, drain.RentRequestTimeout());
    }

    [Fact]
    public async Task TheDrainsAbort_CancelsRentedSources()
    {
        using var drain = new ConnectionDrain();
        CancellationTokenSource rented = drain.RentRequestTimeout();
        drain.Enter();
        Task<bool> draining = drain.DrainAsync(TimeSpan.FromMilliseconds(10));
        Assert.True(await Eventually.TrueAsync(() => rented.IsCancellationRequested, TimeSpan.FromSeconds(5)));
        drain.Exit();
        Assert.False(await draining);
        drain.ReturnRequestTimeout(rented);
        Assert.Equal(0, drain.PooledRequestTimeouts);
    }
}
