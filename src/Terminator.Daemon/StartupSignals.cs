using System.Runtime.InteropServices;
using Terminator.Diagnostics;

namespace Terminator.Daemon;

/// <summary>
/// SIGHUP and SIGUSR1 from the first moment of start-up until <see cref="ShutdownSignal"/> takes over: their default
/// action is to terminate, and a million-name node takes 20 s and more to start — a logrotate postrotate
/// (<c>kill -USR1</c>) or an early reload in that window would kill it. Both are ignored with a log line: the
/// certificates are being read right now, and the access log is opened at its current path.
/// </summary>
internal sealed class StartupSignals : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;

    public StartupSignals(TerminatorLog log) =>
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, context => Ignore(context, "SIGHUP", log)),
            PosixSignalRegistration.Create(ShutdownSignal.SIGUSR1, context => Ignore(context, "SIGUSR1", log)),
        ];

    private static void Ignore(PosixSignalContext context, string name, TerminatorLog log)
    {
        context.Cancel = true;
        DaemonLog.SignalDuringStartUp(log.Daemon, name);
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
