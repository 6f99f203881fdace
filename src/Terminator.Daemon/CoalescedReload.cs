using Terminator.Diagnostics;

namespace Terminator.Daemon;

/// <summary>
/// Runs the reload behind SIGHUP so that it is observed, never fire-and-forget: one run at a time; requests that arrive
/// while a run is in progress collapse into one more run after it (a rescan already half-way may have missed what the
/// later SIGHUP was sent for, and a burst of signals must not queue a rescan each); a run that throws logs one error line
/// with the reason, and the daemon keeps serving what it had.
/// </summary>
internal sealed class CoalescedReload
{
    private readonly Func<Task> _reload;
    private readonly TerminatorLog _log;
    private readonly Lock _gate = new();
    private Task _current = Task.CompletedTask;
    private bool _running;
    private bool _requestedAgain;

    public CoalescedReload(Func<Task> reload, TerminatorLog log)
    {
        ArgumentNullException.ThrowIfNull(reload);
        ArgumentNullException.ThrowIfNull(log);
        _reload = reload;
        _log = log;
    }

    /// <summary>Asks for a reload and returns at once (it is called from the signal handler).</summary>
    /// <returns>The run that will cover this request, including the one more run it may have asked for; it never
    /// faults.</returns>
    public Task Request()
    {
        lock (_gate)
        {
            if (_running)
            {
                _requestedAgain = true;
                return _current;
            }

            _running = true;
            _current = RunAsync();
            return _current;
        }
    }

    private async Task RunAsync()
    {
        // Off the caller's thread (and out of the lock) before any reload work starts.
        await Task.Yield();
        while (true)
        {
            try
            {
                await _reload().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The boundary of a background operation: whatever failed, the daemon keeps serving.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                DaemonLog.ReloadFailed(_log.Daemon, ex.Message.ReplaceLineEndings(" "), ex.GetType().Name);
            }

            lock (_gate)
            {
                if (!_requestedAgain)
                {
                    _running = false;
                    return;
                }

                _requestedAgain = false;
            }
        }
    }
}
