using System.Diagnostics;
using Terminator.LoadTest.Engine;

namespace Terminator.LoadTest.Scenarios.Flap;

/// <summary>
/// What <c>upstream-flap</c> judges the terminator by, which the engine's per-scenario stats cannot say: when the
/// upstream went away and came back, which iterations failed and when they were in flight, and the first success after
/// the restart. Errors are allowed only for iterations in flight during [stop, restart + <see cref="Settle"/>].
/// </summary>
internal sealed class FlapRecorder
{
    /// <summary>How long after the restart the pool may still fail requests (the "recovers within a second").</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly List<(long Start, long End)> _failures = [];
    private long _stopped;
    private long _restarted;
    private long _firstSuccessAfterRestart;

    public bool Flapped => Volatile.Read(ref _restarted) != 0;

    public void Stopped() => Volatile.Write(ref _stopped, Stopwatch.GetTimestamp());

    public void Restarted() => Volatile.Write(ref _restarted, Stopwatch.GetTimestamp());

    /// <summary>Called with every click's start and end (Stopwatch timestamps) and outcome.</summary>
    public void Record(long start, long end, bool ok)
    {
        if (ok)
        {
            long restarted = Volatile.Read(ref _restarted);
            // A request that started before the stop may have been answered on a connection from before the flap;
            // recovery is the first answer the terminator had to get from the restarted upstream.
            if (restarted != 0 && start >= Volatile.Read(ref _stopped) && end >= restarted)
            {
                long seen;
                do
                {
                    seen = Volatile.Read(ref _firstSuccessAfterRestart);
                }
                while ((seen == 0 || end < seen) && Interlocked.CompareExchange(ref _firstSuccessAfterRestart, end, seen) != seen);
            }

            return;
        }

        lock (_gate)
        {
            _failures.Add((start, end));
        }
    }

    /// <summary>Failed iterations that were not in flight at any moment of [stop, restart + 1 s]; NaN before the flap.</summary>
    public double ErrorsOutsideWindow()
    {
        if (!Flapped)
        {
            return double.NaN;
        }

        long from = _stopped;
        long to = _restarted + (long)(Settle.TotalSeconds * Stopwatch.Frequency);
        int outside = 0;
        lock (_gate)
        {
            foreach ((long start, long end) in _failures)
            {
                if (end < from || start > to)
                {
                    outside++;
                }
            }
        }

        return outside;
    }

    /// <summary>Failed clicks that started after the restart: what stale pooled connections (or a slow pool) cost.</summary>
    public int FailuresAfterRestart()
    {
        long restarted = Volatile.Read(ref _restarted);
        int after = 0;
        lock (_gate)
        {
            foreach ((long start, _) in _failures)
            {
                if (restarted != 0 && start >= restarted)
                {
                    after++;
                }
            }
        }

        return after;
    }

    public int Failures
    {
        get
        {
            lock (_gate)
            {
                return _failures.Count;
            }
        }
    }

    /// <summary>Milliseconds from the restart to the first successful click that needed the restarted upstream;
    /// NaN when the flap did not happen or nothing succeeded after it.</summary>
    public double RecoveryMilliseconds() => Flapped && _firstSuccessAfterRestart != 0
        ? Stopwatch.GetElapsedTime(_restarted, _firstSuccessAfterRestart).TotalMilliseconds
        : double.NaN;

    /// <summary>How long the upstream was away (stop to restart), in milliseconds.</summary>
    public double OutageMilliseconds() => Flapped ? Stopwatch.GetElapsedTime(_stopped, _restarted).TotalMilliseconds : double.NaN;

    public Threshold ErrorsOutsideThreshold(string scenario) =>
        new($"{scenario}.errors-outside-flap", "errors outside [stop, restart + 1s]", 0, "", _ => ErrorsOutsideWindow());

    public Threshold RecoveryThreshold(string scenario) =>
        new($"{scenario}.recovery", "restart to first success", Settle.TotalMilliseconds, "ms", _ => RecoveryMilliseconds());
}
