namespace Terminator.Fleet;

/// <summary>
/// The wait between attempts of a node's long-lived database connections (the certificate follower's and the challenge
/// table's): 250 ms doubling to 5 s, plus up to a quarter of jitter so a fleet that lost its database does not reconnect
/// in lockstep. <see cref="Reset"/> once a connection is up again.
/// </summary>
internal sealed class DatabaseReconnectBackoff
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(5);

    private TimeSpan _next = First;

    public void Reset() => _next = First;

    /// <summary>Waits the current backoff and doubles it; false when <paramref name="stopping"/> ended the wait.</summary>
    public async Task<bool> WaitAsync(CancellationToken stopping)
    {
        TimeSpan jitter = TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)(_next.TotalMilliseconds / 4) + 1));
        try
        {
            await Task.Delay(_next + jitter, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, Max.Ticks));
        return true;
    }
}
