using System.Net.Sockets;
using Npgsql;

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

    /// <summary>
    /// The reconnect loop of a long-lived LISTEN connection (the challenge table's, the managed domains'): runs
    /// <paramref name="follow"/>, one connection's life, again after each failure with this backoff, until
    /// <paramref name="stopping"/>. <paramref name="follow"/> calls the action it is given once its connection is up
    /// (which resets the backoff); <paramref name="lost"/> hears each failure, with true for the first of a run.
    /// </summary>
    public static async Task FollowUntilStoppedAsync(Func<Action, CancellationToken, Task> follow, Action<Exception, bool> lost, CancellationToken stopping)
    {
        var backoff = new DatabaseReconnectBackoff();
        bool wasLost = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await follow(() =>
                {
                    backoff.Reset();
                    wasLost = false;
                }, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException or InvalidOperationException)
            {
                lost(ex, !wasLost);
                wasLost = true;
            }

            if (!await backoff.WaitAsync(stopping).ConfigureAwait(false))
            {
                return;
            }
        }
    }

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
