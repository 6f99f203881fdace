using System.Diagnostics;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// Polls a condition that settles asynchronously (connection tasks unwinding after a close, a FIN reaching the other end,
/// a background reload). Use it instead of a fixed <see cref="Task.Delay(int)"/> before an assertion: it returns as soon
/// as the condition holds, and a slow machine gets the whole timeout instead of a guess.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_defaultInterval = TimeSpan.FromMilliseconds(15);

    /// <summary>True as soon as <paramref name="condition"/> holds, false if it still fails after <paramref name="timeout"/>.</summary>
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        long start = Stopwatch.GetTimestamp(); // monotonic: a wall-clock step cannot cut the wait short or stretch it
        TimeSpan limit = timeout ?? s_defaultTimeout;
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(start) > limit)
            {
                return false;
            }

            await Task.Delay(s_defaultInterval);
        }

        return true;
    }

    /// <summary>
    /// Runs <paramref name="probe"/> until <paramref name="done"/> accepts its result or <paramref name="timeout"/> has passed,
    /// pausing <paramref name="interval"/> between attempts, and returns the last result either way, so the caller's assertion
    /// can show what the probe saw (for probes that are themselves slow or asynchronous: a TLS client run, a file read).
    /// </summary>
    public static async Task<T> ResultAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, TimeSpan? interval = null)
    {
        long start = Stopwatch.GetTimestamp();
        TimeSpan limit = timeout ?? s_defaultTimeout;
        while (true)
        {
            T result = await probe();
            if (done(result) || Stopwatch.GetElapsedTime(start) > limit)
            {
                return result;
            }

            await Task.Delay(interval ?? s_defaultInterval);
        }
    }
}
