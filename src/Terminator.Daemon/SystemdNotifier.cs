using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Terminator.Diagnostics;

namespace Terminator.Daemon;

/// <summary>
/// sd_notify(3) for <c>Type=notify</c>: tells the service manager when the daemon is ready (certificates loaded,
/// listeners bound), when a SIGHUP reload starts and ends, and when the drain starts, as datagrams on the AF_UNIX socket
/// named by <c>$NOTIFY_SOCKET</c> (a path, or <c>@name</c> in the abstract namespace). Does nothing when the variable is
/// unset, i.e. when not started by systemd.
/// </summary>
/// <remarks>
/// A few lines of protocol rather than Microsoft.Extensions.Hosting.Systemd: that package notifies from the generic
/// host's lifetime events (<c>IHostApplicationLifetime</c>), which this daemon does not run on (it composes its own
/// server, signals and drain), it would pull the hosting, configuration and logging stacks in for one datagram, and it
/// sends nothing around a reload. Not on any request path: a handful of messages per process lifetime.
/// </remarks>
internal sealed class SystemdNotifier : IDisposable
{
    /// <summary>The variable systemd sets for a <c>Type=notify</c> service (and <c>NotifyAccess=</c>).</summary>
    public const string NotifySocketVariable = "NOTIFY_SOCKET";

    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endPoint;
    private readonly TerminatorLog _log;
    private int _failureReported;

    /// <param name="notifySocket">The value of <c>$NOTIFY_SOCKET</c>; null or empty disables every call.</param>
    public SystemdNotifier(string? notifySocket, TerminatorLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        _log = log;
        if (string.IsNullOrEmpty(notifySocket))
        {
            return;
        }

        string path;
        if (notifySocket[0] == '@')
        {
            path = "\0" + notifySocket[1..]; // the abstract namespace: a leading NUL instead of '@' (sd_notify(3))
        }
        else if (notifySocket[0] == '/')
        {
            path = notifySocket;
        }
        else
        {
            // systemd also hands out vsock: addresses to VMs; a daemon on the host never gets one.
            DaemonLog.NotifySocketUnusable(log.Daemon, notifySocket);
            return;
        }

        _endPoint = new UnixDomainSocketEndPoint(path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>From the process environment.</summary>
    public static SystemdNotifier FromEnvironment(TerminatorLog log) =>
        new(Environment.GetEnvironmentVariable(NotifySocketVariable), log);

    /// <summary>Whether messages are sent (NOTIFY_SOCKET was set and usable).</summary>
    public bool IsEnabled => _socket is not null;

    /// <summary><c>READY=1</c>: start-up is complete (or a reload has finished), with a one-line status.</summary>
    public void Ready(string status) => Send($"READY=1\nSTATUS={status}");

    /// <summary><c>RELOADING=1</c> with the CLOCK_MONOTONIC time it began; a <see cref="Ready"/> must follow.</summary>
    public void Reloading() =>
        Send(string.Create(CultureInfo.InvariantCulture, $"RELOADING=1\nMONOTONIC_USEC={MonotonicMicroseconds()}\nSTATUS=reloading certificates"));

    /// <summary><c>STOPPING=1</c>: the drain has started.</summary>
    public void Stopping(string status) => Send($"STOPPING=1\nSTATUS={status}");

    /// <summary>
    /// CLOCK_MONOTONIC in microseconds, as systemd compares it with its own. On Linux <see cref="Stopwatch"/> reads
    /// clock_gettime(CLOCK_MONOTONIC) with a nanosecond frequency (SystemNative_GetTimestamp, dotnet/runtime
    /// src/native/libs/System.Native/pal_time.c).
    /// </summary>
    internal static long MonotonicMicroseconds() => (long)((Int128)Stopwatch.GetTimestamp() * 1_000_000 / Stopwatch.Frequency);

    private void Send(string message)
    {
        if (_socket is null)
        {
            return;
        }

        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(message), SocketFlags.None, _endPoint!);
        }
        catch (SocketException ex)
        {
            // The manager went away or the socket is not ours to write: serving goes on; say so once.
            if (Interlocked.Exchange(ref _failureReported, 1) == 0)
            {
                DaemonLog.NotifyFailed(_log.Daemon, ex.SocketErrorCode, ex.Message);
            }
        }
    }

    public void Dispose() => _socket?.Dispose();
}
