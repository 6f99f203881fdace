using System.Threading.Tasks.Sources;

namespace Terminator.Upstream;

/// <summary>
/// A renter parked because every address is at its connection limit. Completed with a returned connection (handed over directly)
/// or with null (a slot was freed or the address set changed: try again). Reused across waits so waiting does not allocate.
/// </summary>
internal sealed class UpstreamWaiter : IValueTaskSource<UpstreamConnection?>
{
    private readonly UpstreamPool _pool;
    private ManualResetValueTaskSourceCore<UpstreamConnection?> _core;
    private CancellationTokenRegistration _registration;

    public UpstreamWaiter(UpstreamPool pool)
    {
        _pool = pool;
        // Never run the renter's continuation inline on the thread returning a connection (it may be holding other work).
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>Intrusive queue links, guarded by the pool's lock.</summary>
    public UpstreamWaiter? Next;
    public UpstreamWaiter? Previous;
    public bool Queued;

    public CancellationToken CancellationToken { get; private set; }

    /// <summary>Arms cancellation after enqueueing; a token that is already cancelled completes the waiter right here.</summary>
    public ValueTask<UpstreamConnection?> WaitAsync(CancellationToken cancellationToken)
    {
        CancellationToken = cancellationToken;
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static s => ((UpstreamWaiter)s!).OnCancelled(), this);
        }

        return new ValueTask<UpstreamConnection?>(this, _core.Version);
    }

    private void OnCancelled() => _pool.CancelWaiter(this);

    public void SetResult(UpstreamConnection? connection) => _core.SetResult(connection);

    public void SetException(Exception exception) => _core.SetException(exception);

    public UpstreamConnection? GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            // Dispose waits for a running cancellation callback, so the waiter cannot be touched after it is recycled.
            _registration.Dispose();
            _registration = default;
            CancellationToken = default;
            _core.Reset();
            _pool.RecycleWaiter(this);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
