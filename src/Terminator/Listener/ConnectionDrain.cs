namespace Terminator.Listener;

/// <summary>
/// Tracks live client connections and runs graceful shutdown: <see cref="Stopping"/> tells idle keep-alive connections
/// to close and busy ones to finish their current request with "Connection: close"; <see cref="Aborted"/> fires when the
/// drain timeout has passed and cuts whatever is left.
/// </summary>
internal sealed class ConnectionDrain : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _aborted = new();
    private int _active;
    private TaskCompletionSource? _drained;

    public CancellationToken Stopping => _stopping.Token;
    public CancellationToken Aborted => _aborted.Token;
    public int ActiveConnections => Volatile.Read(ref _active);

    public void Enter() => Interlocked.Increment(ref _active);

    public void Exit()
    {
        if (Interlocked.Decrement(ref _active) == 0 && _stopping.IsCancellationRequested)
        {
            Volatile.Read(ref _drained)?.TrySetResult();
        }
    }

    /// <summary>Signals stop and waits up to <paramref name="timeout"/> for connections to finish; returns false if it had to abort some.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        Interlocked.CompareExchange(ref _drained, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (ActiveConnections == 0)
        {
            return true;
        }

        Task finished = _drained!.Task;
        if (await Task.WhenAny(finished, Task.Delay(timeout)).ConfigureAwait(false) == finished)
        {
            return true;
        }

        await _aborted.CancelAsync().ConfigureAwait(false);
        // Aborted connections unwind quickly; give them a moment so their sockets are closed before the process exits.
        await Task.WhenAny(finished, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        return false;
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _aborted.Dispose();
    }
}
