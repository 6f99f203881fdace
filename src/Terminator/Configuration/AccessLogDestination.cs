namespace Terminator.Configuration;

/// <summary>Where access log lines go (<c>TERMINATOR_ACCESS_LOG</c>).</summary>
internal enum AccessLogDestination
{
    /// <summary>No access log: nothing is captured on the request path.</summary>
    Off,

    /// <summary>The daemon's standard output (the journal under systemd, or a container's log driver).</summary>
    Stdout,

    /// <summary>A file opened for appending, reopened on SIGUSR1 (logrotate).</summary>
    File,
}
