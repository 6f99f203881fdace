namespace Terminator.Diagnostics;

/// <summary>
/// Lets at most one line per cause through per interval: an upstream outage under load, a certificate that fails to load
/// on every handshake, or a listener out of file descriptors each write one line per interval instead of one per
/// request, and the next line let through says how many were held back (<see cref="LogSuppression"/>).
/// </summary>
/// <remarks>
/// A cause is an event id plus a hash the caller chooses (the upstream address, the certificate's path, the peer).
/// State lives in a fixed table (256 sets of 4 causes, ~40 KiB), so a flood of distinct causes cannot grow memory:
/// a cause that finds its set full of causes still inside their interval is charged to the oldest of them (its
/// line is held back and counted there) rather than evicting one, which keeps the output bounded by the table's size
/// per interval even when every request brings a new cause. A lock per set keeps the check to a few instructions
/// with no allocation; only lines already on a failure path come here.
/// </remarks>
internal sealed class LogRateLimiter
{
    /// <summary>Ten seconds: a cause shows up within seconds in <c>journalctl -f</c> and keeps being confirmed while it
    /// lasts, at six lines a minute at most (the per-certificate load-failure interval this replaces).</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    private const int Sets = 256;
    private const int Ways = 4;

    private readonly Slot[] _slots = new Slot[Sets * Ways];
    private readonly Lock[] _locks = new Lock[Sets];
    private readonly long _intervalMs;
    private long _suppressed;

    public LogRateLimiter(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        Interval = interval;
        _intervalMs = Math.Max(1, (long)interval.TotalMilliseconds);
        for (int i = 0; i < _locks.Length; i++)
        {
            _locks[i] = new Lock();
        }
    }

    public TimeSpan Interval { get; }

    /// <summary>Lines held back since start (a counter for metrics).</summary>
    public long Suppressed => Interlocked.Read(ref _suppressed);

    /// <summary>
    /// True when a line for this cause may be written now; <paramref name="suppression"/> then says what was held back
    /// since its previous line. False (and counted) while the cause's interval runs.
    /// </summary>
    public bool TryAcquire(int eventId, int cause, out LogSuppression suppression)
    {
        ulong key = ((ulong)(uint)eventId << 32) | (uint)cause;
        int set = (int)((key * 0x9E3779B97F4A7C15UL) >> 56); // Fibonacci hashing: top 8 bits = one of 256 sets
        long now = Environment.TickCount64;
        int first = set * Ways;
        lock (_locks[set])
        {
            int victim = -1;
            for (int i = first; i < first + Ways; i++)
            {
                ref Slot slot = ref _slots[i];
                if (slot.InUse && slot.Key == key)
                {
                    return Decide(ref slot, now, out suppression);
                }

                victim = Better(victim, i, now);
            }

            ref Slot chosen = ref _slots[victim];
            if (chosen.InUse && now - chosen.WindowStart < _intervalMs)
            {
                // Every way holds a live cause: charge this line to the oldest rather than evict one (bounded output).
                return Decide(ref chosen, now, out suppression);
            }

            // A free way, or one whose cause has been quiet for an interval: it becomes this cause's.
            chosen = new Slot { Key = key, InUse = true, WindowStart = now };
            suppression = LogSuppression.None;
            return true;
        }
    }

    private bool Decide(ref Slot slot, long now, out LogSuppression suppression)
    {
        if (now - slot.WindowStart < _intervalMs)
        {
            if (slot.Held++ == 0)
            {
                slot.HeldSinceUtcTicks = DateTime.UtcNow.Ticks;
            }

            Interlocked.Increment(ref _suppressed);
            suppression = LogSuppression.None;
            return false;
        }

        suppression = new LogSuppression(slot.Held, slot.HeldSinceUtcTicks);
        slot.Held = 0;
        slot.WindowStart = now;
        return true;
    }

    /// <summary>The better way to give a new cause: a free one, else one past its interval with nothing held back,
    /// else one past its interval, else the one whose interval started first.</summary>
    private int Better(int current, int candidate, long now)
    {
        if (current < 0)
        {
            return candidate;
        }

        return Rank(in _slots[candidate], now) < Rank(in _slots[current], now) ? candidate : current;
    }

    private long Rank(in Slot slot, long now)
    {
        if (!slot.InUse)
        {
            return long.MinValue;
        }

        bool expired = now - slot.WindowStart >= _intervalMs;
        return expired ? (slot.Held == 0 ? long.MinValue + 1 : long.MinValue + 2) : slot.WindowStart;
    }

    private struct Slot
    {
        public ulong Key;
        public bool InUse;
        public long WindowStart;
        public long Held;
        public long HeldSinceUtcTicks;
    }
}
