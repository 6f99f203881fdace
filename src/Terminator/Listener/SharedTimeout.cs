namespace Terminator.Listener;

/// <summary>
/// One timeout length shared by many waits: a wait takes <see cref="Token"/>, which fires no sooner than
/// <see cref="Length"/> after it was taken and at most one slice later (1/16 of the length, between 1 ms and 1 s), or
/// as soon as the server stops. Every wait that starts within one slice gets the same token: one source and one timer
/// per slice for all of them, where a source of its own would hold a linked source, its timer and their registrations
/// (~0.4 KiB) per idle keep-alive connection. Each wait then costs the registration on the shared token only
/// (bench/README.md, "What an idle TLS connection holds"). Kestrel's heartbeat makes the same trade at 1 s.
/// </summary>
/// <remarks>A slice's source is never reset or reused, so a token that fired stays fired: a wait that took it late
/// (after its deadline) is cancelled at once, which is what its deadline says.</remarks>
internal sealed class SharedTimeout : IDisposable
{
    private const long MaxSliceMilliseconds = 1000;

    private readonly long _lengthMs;
    private readonly long _sliceMs;
    private readonly CancellationToken _stopping;
    private readonly CancellationTokenRegistration _onStopping;
    private readonly object _lock = new();
    // Slices whose timer may not have fired yet, oldest first: what a stop has to cancel.
    private readonly Queue<CancellationTokenSource> _pending = new();
    private TimeSlice? _current;
    private bool _stopped;

    /// <param name="length">How long a wait may last; positive and finite.</param>
    /// <param name="stopping">Cancels every token, given or still to give, when it fires.</param>
    public SharedTimeout(TimeSpan length, CancellationToken stopping)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(length, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, TimeSpan.FromDays(1));
        Length = length;
        _lengthMs = Math.Max(1, (long)Math.Ceiling(length.TotalMilliseconds));
        _sliceMs = Math.Clamp(_lengthMs / 16, 1, MaxSliceMilliseconds);
        _stopping = stopping;
        _onStopping = stopping.UnsafeRegister(static state => ((SharedTimeout)state!).Stop(), this);
    }

    public TimeSpan Length { get; }

    /// <summary>How much later than <see cref="Length"/> a token may fire.</summary>
    public TimeSpan SliceLength => TimeSpan.FromMilliseconds(_sliceMs);

    /// <summary>A token for a wait that starts now; see the type's summary.</summary>
    public CancellationToken Token
    {
        get
        {
            long now = Environment.TickCount64;
            TimeSlice? current = Volatile.Read(ref _current);
            return current is not null && current.Index == now / _sliceMs ? current.Token : StartSlice(now);
        }
    }

    private CancellationToken StartSlice(long now)
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return _stopping;
            }

            long index = now / _sliceMs;
            if (_current is { } current && current.Index >= index)
            {
                return current.Token; // another wait started this slice first
            }

            // Slices that fired need no cancelling at a stop.
            while (_pending.TryPeek(out CancellationTokenSource? oldest) && oldest.IsCancellationRequested)
            {
                _pending.Dequeue();
            }

            // Fires one length after the slice's end, so every wait that took it waited at least the length.
            var source = new CancellationTokenSource(TimeSpan.FromMilliseconds((index + 1) * _sliceMs + _lengthMs - now));
            _pending.Enqueue(source);
            var slice = new TimeSlice(index, source.Token);
            Volatile.Write(ref _current, slice);
            return slice.Token;
        }
    }

    private void Stop()
    {
        CancellationTokenSource[] pending;
        lock (_lock)
        {
            _stopped = true;
            pending = _pending.ToArray();
        }

        // Outside the lock: a cancelled wait's continuation may run inline and take a token again.
        foreach (CancellationTokenSource source in pending)
        {
            source.Cancel();
        }
    }

    public void Dispose()
    {
        _onStopping.Dispose();
        lock (_lock)
        {
            _stopped = true;
            while (_pending.TryDequeue(out CancellationTokenSource? source))
            {
                source.Dispose();
            }
        }
    }

    private sealed class TimeSlice(long index, CancellationToken token)
    {
        public long Index { get; } = index;

        public CancellationToken Token { get; } = token;
    }
}
