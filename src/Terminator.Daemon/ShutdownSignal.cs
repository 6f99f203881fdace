using System.Runtime.InteropServices;
using Terminator.Diagnostics;

namespace Terminator.Daemon;

/// <summary>SIGTERM/SIGINT complete <see cref="Stopped"/>; SIGHUP asks for the reload callback (systemd ExecReload)
/// through a <see cref="CoalescedReload"/>: one run at a time, failures logged; SIGUSR1 runs the reopen callback
/// (logrotate's postrotate: the access log file is opened again by name).</summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly TaskCompletionSource<string> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>
    /// SIGUSR1 by its Linux number: <see cref="PosixSignal"/> names only the signals every platform shares, and
    /// <see cref="PosixSignalRegistration.Create"/> accepts a raw number cast to it (Linux x86-64 and arm64: 10; it is 30
    /// on macOS, which the daemon does not target).
    /// </summary>
    internal const PosixSignal SIGUSR1 = (PosixSignal)10;

    private readonly PosixSignalRegistration[] _registrations;

    /// <param name="reload">What SIGHUP runs; nothing when null.</param>
    /// <param name="log">Where a failed reload is reported; required with <paramref name="reload"/>.</param>
    /// <param name="reopen">What SIGUSR1 runs (must return at once: it runs on the signal-handling thread); the signal is
    /// ignored when null.</param>
    public ShutdownSignal(Func<Task>? reload = null, TerminatorLog? log = null, Action? reopen = null)
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
            PosixSignalRegistration.Create(SIGUSR1, context =>
            {
                // Cancel the default action (terminate), also when nothing is to be reopened.
                context.Cancel = true;
                reopen?.Invoke();
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
