using System.Runtime.InteropServices;
using Terminator.Diagnostics;

namespace Terminator.Daemon;

/// <summary>SIGTERM/SIGINT complete <see cref="Stopped"/>; SIGHUP asks for the reload callback (systemd ExecReload)
/// through a <see cref="CoalescedReload"/>: one run at a time, failures logged.</summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly TaskCompletionSource<string> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PosixSignalRegistration[] _registrations;

    /// <param name="reload">What SIGHUP runs; nothing when null.</param>
    /// <param name="log">Where a failed reload is reported; required with <paramref name="reload"/>.</param>
    public ShutdownSignal(Func<Task>? reload = null, TerminatorLog? log = null)
    {
        CoalescedReload? reloader = reload is null ? null : new CoalescedReload(reload, log ?? throw new ArgumentNullException(nameof(log)));
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStop),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStop),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                // Cancel the default action (terminate); the run is observed by CoalescedReload, so nothing is lost here.
                context.Cancel = true;
                _ = reloader?.Request();
            }),
        ];
    }

    /// <summary>Completes with the signal's name.</summary>
    public Task<string> Stopped => _stopped.Task;

    private void OnStop(PosixSignalContext context)
    {
        // Cancel the default action (terminate) so the daemon can drain and exit 0.
        context.Cancel = true;
        _stopped.TrySetResult(context.Signal.ToString());
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
