namespace Terminator.Configuration;

/// <summary>The access log's configuration (<c>TERMINATOR_ACCESS_LOG*</c>); <see cref="Default"/> is off.</summary>
internal sealed record AccessLogOptions
{
    /// <summary>Off, standard output, or <see cref="Path"/>.</summary>
    public AccessLogDestination Destination { get; init; } = AccessLogDestination.Off;

    /// <summary>The absolute path of the log file when <see cref="Destination"/> is <see cref="AccessLogDestination.File"/>.</summary>
    public string? Path { get; init; }

    public AccessLogFormat Format { get; init; } = AccessLogFormat.Combined;

    public AccessLogQueryMode Query { get; init; } = AccessLogQueryMode.Strip;

    public bool Enabled => Destination != AccessLogDestination.Off;

    public static AccessLogOptions Default { get; } = new();

    /// <summary>"off", "stdout" or the path, then the format and the query mode (the daemon's start-up line).</summary>
    public string Describe() => Destination switch
    {
        AccessLogDestination.Off => "off",
        _ => $"{(Destination == AccessLogDestination.Stdout ? "stdout" : Path)} ({(Format == AccessLogFormat.Json ? "json" : "combined")}, query {(Query == AccessLogQueryMode.Keep ? "kept" : "stripped")})",
    };
}
