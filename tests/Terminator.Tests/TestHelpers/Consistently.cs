using System.Diagnostics;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// The explicit form of an absence check ("X has not happened, and still has not a moment later"): polls a condition
/// for a fixed window and fails as soon as it stops holding. Only for what has no positive signal to wait for; the window
/// is a judgement, so say in a comment at the call site what could end the condition and why the window covers it.
/// </summary>
public static class Consistently
{
    /// <summary>True if <paramref name="condition"/> held at every check for <paramref name="window"/>; false as soon as it does not.</summary>
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan window)
    {
        long start = Stopwatch.GetTimestamp();
        do
        {
            if (!condition())
            {
                return false;
            }

            await Task.Delay(15);
        }
        while (Stopwatch.GetElapsedTime(start) < window);

        return condition();
    }
}
