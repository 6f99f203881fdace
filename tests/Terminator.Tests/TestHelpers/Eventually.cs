namespace Terminator.Tests.TestHelpers;

/// <summary>Polls a condition that settles asynchronously (connection tasks unwinding after a close).</summary>
public static class Eventually
{
    /// <summary>True as soon as <paramref name="condition"/> holds, false if it still fails after <paramref name="timeout"/>.</summary>
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(15);
        }

        return true;
    }
}
