using System.Runtime.InteropServices;

namespace Terminator.Daemon;

/// <summary>SIGTERM/SIGINT complete <see cref="Stopped"/>; SIGHUP invokes the reload callback (systemd ExecReload).</summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly TaskCompletionSource<string> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PosixSignalRegistration[] _registrations;

    public ShutdownSignal(Func<Task>? reload = null)
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStop),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStop),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                if (reload is not null)
                {
                    ThreadPool.QueueUserWorkItem(static r => _ = r(), reload, preferLocal: false);
                }
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
