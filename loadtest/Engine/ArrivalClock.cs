using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Terminator.LoadTest.Engine;

/// <summary>
/// Sleeps the open model's arrival thread until an arrival is due: one wake-up per arrival, to the microsecond, no
/// spinning. <c>usleep</c> for the last stretch (the runtime's own sleeps and timers have millisecond granularity, and a
/// millisecond early means spinning, a millisecond late means every arrival starts late); waits longer than
/// <see cref="CancellableAbove"/> go in cancellable pieces so a cancelled run does not wait out a slow ramp.
/// </summary>
internal static class ArrivalClock
{
    private static readonly long CancellableAbove = Stopwatch.Frequency / 20;   // 50 ms

    public static void SleepUntil(long timestamp, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            long remaining = timestamp - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return;
            }

            if (remaining > CancellableAbove)
            {
                // Wakes early on cancellation; the last 50 ms are slept precisely below.
                cancellationToken.WaitHandle.WaitOne(TimeSpan.FromTicks((remaining - CancellableAbove) * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
                continue;
            }

            _ = usleep((uint)Math.Max(1, remaining * 1_000_000 / Stopwatch.Frequency));
        }
    }

    [DllImport("libc", SetLastError = false)]
    private static extern int usleep(uint microseconds);
}
