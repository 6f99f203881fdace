namespace Terminator.Listener;

/// <summary>
/// Tracks live client connections and runs graceful shutdown: <see cref="Stopping"/> tells idle keep-alive connections
/// to close and busy ones to finish their current request with "Connection: close"; <see cref="Aborted"/> fires when the
/// drain timeout has passed and cuts whatever is left.
/// </summary>
internal sealed class ConnectionDrain : IDisposable
{
    // Request timeout sources kept between requests: more than a core's requests in flight need, few enough to be
    // small (~0.3 KiB each).
    private const int MaxPooledRequestTimeouts = 1024;

    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _aborted = new();
    // Request timeout sources (each linked to Aborted) that no request is using; see RentRequestTimeout.
    private readonly Stack<CancellationTokenSource> _requestTimeouts = new();
    // One per timeout length the connections wait with (the header and idle timeouts): copied on write, read without
    // a lock.
    private SharedTimeout[] _sharedTimeouts = [];
    private readonly Lock _sharedTimeoutsLock = new();
    private int _active;
    private TaskCompletionSource? _drained;

    public ConnectionDrain()
    {
        Stopping = _stopping.Token;
        Aborted = _aborted.Token;
    }

    public CancellationToken Stopping { get; }
    public CancellationToken Aborted { get; }
    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>Sources in the request-timeout pool now (tests).</summary>
    internal int PooledRequestTimeouts
    {
        get
        {
            lock (_requestTimeouts)
            {
                return _requestTimeouts.Count;
            }
        }
    }

    public void Enter() => Interlocked.Increment(ref _active);

    public void Exit()
    {
        if (Interlocked.Decrement(ref _active) == 0 && _stopping.IsCancellationRequested)
        {
            Volatile.Read(ref _drained)?.TrySetResult();
        }
    }

    /// <summary>
    /// A timeout source for a request's waits, linked to <see cref="Aborted"/>; give it back with
    /// <see cref="ReturnRequestTimeout"/> once the waits it bounded are over. A connection holds one only while such a
    /// wait is on: an idle keep-alive connection then keeps no source, timer or registration of a finished request
    /// (~0.4 KiB each; bench/README.md, "What an idle TLS connection holds"), and a busy one takes a pooled source
    /// rather than allocating.
    /// </summary>
    public CancellationTokenSource RentRequestTimeout()
    {
        lock (_requestTimeouts)
        {
            if (_requestTimeouts.TryPop(out CancellationTokenSource? pooled))
            {
                return pooled;
            }
        }

        return CancellationTokenSource.CreateLinkedTokenSource(Aborted);
    }

    /// <summary>
    /// Takes back a source from <see cref="RentRequestTimeout"/> whose waits are all over. It is reused only if it can be
    /// reset: never cancelled and its timer never fired (<see cref="CancellationTokenSource.TryReset"/>, which also drops
    /// what was registered on it); anything else is disposed, so no request inherits another's cancellation.
    /// </summary>
    public void ReturnRequestTimeout(CancellationTokenSource source)
    {
        if (source.TryReset())
        {
            lock (_requestTimeouts)
            {
                if (_requestTimeouts.Count < MaxPooledRequestTimeouts)
                {
                    _requestTimeouts.Push(source);
                    return;
                }
            }
        }

        source.Dispose();
    }

    /// <summary>
    /// A token for a wait between requests: it fires <paramref name="length"/> from now (up to a slice later, see
    /// <see cref="SharedTimeout"/>) or when the server stops. Waits that start within the same slice share it, so an
    /// idle connection holds no timer of its own.
    /// </summary>
    public CancellationToken SharedTimeoutToken(TimeSpan length)
    {
        foreach (SharedTimeout timeout in Volatile.Read(ref _sharedTimeouts))
        {
            if (timeout.Length == length)
            {
                return timeout.Token;
            }
        }

        return AddSharedTimeout(length).Token;
    }

    private SharedTimeout AddSharedTimeout(TimeSpan length)
    {
        lock (_sharedTimeoutsLock)
        {
            foreach (SharedTimeout existing in _sharedTimeouts)
            {
                if (existing.Length == length)
                {
                    return existing;
                }
            }

            var timeout = new SharedTimeout(length, Stopping);
            Volatile.Write(ref _sharedTimeouts, [.. _sharedTimeouts, timeout]);
            return timeout;
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
        lock (_requestTimeouts)
        {
            while (_requestTimeouts.TryPop(out CancellationTokenSource? pooled))
            {
                pooled.Dispose();
            }
        }

        lock (_sharedTimeoutsLock)
        {
            foreach (SharedTimeout timeout in _sharedTimeouts)
            {
                timeout.Dispose();
            }
        }

        _stopping.Dispose();
        _aborted.Dispose();
    }
}
