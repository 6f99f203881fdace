namespace Terminator.Configuration;

/// <summary>The <c>TERMINATOR_ACCESS_LOG*</c> variables.</summary>
internal static partial class TerminatorEnvironment
{
    // A property, not a field: the Specs field initializer of the other part reads it (see AcmeSpecs).
    private static Spec[] AccessLogSpecs =>
    [
        new(new("TERMINATOR_ACCESS_LOG", "off", "Access log, one line per request: 'off', 'stdout', or an absolute file path (appended to; its directory must exist and be writable; reopened on SIGUSR1 for logrotate). Lines are written by a background thread; when it falls behind, lines are dropped and counted, requests never wait."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (v.Equals("off", StringComparison.OrdinalIgnoreCase))
                {
                    u = o with { AccessLog = o.AccessLog with { Destination = AccessLogDestination.Off, Path = null } };
                    return null;
                }

                if (v.Equals("stdout", StringComparison.OrdinalIgnoreCase))
                {
                    u = o with { AccessLog = o.AccessLog with { Destination = AccessLogDestination.Stdout, Path = null } };
                    return null;
                }

                string? e = ValidateAccessLogPath(v);
                u = e is null ? o with { AccessLog = o.AccessLog with { Destination = AccessLogDestination.File, Path = v } } : o;
                return e;
            }),
        new(new("TERMINATOR_ACCESS_LOG_FORMAT", "combined", "Access log line format: 'combined' (nginx's combined, then SNI, TLS version and cipher, upstream address and status, request and upstream times, request number on the connection) or 'json' (one object per line, the same fields under fixed names)."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                AccessLogFormat? format = v.ToLowerInvariant() switch
                {
                    "combined" => AccessLogFormat.Combined,
                    "json" => AccessLogFormat.Json,
                    _ => null,
                };
                if (format is null) { return $"'{v}' is not a format (expected combined or json)"; }
                u = o with { AccessLog = o.AccessLog with { Format = format.Value } };
                return null;
            }),
        new(new("TERMINATOR_ACCESS_LOG_QUERY", "strip", "Query strings in the access log: 'strip' logs the request target and Referer without them (tracking links carry recipient identifiers there), 'keep' logs them as received."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                AccessLogQueryMode? mode = v.ToLowerInvariant() switch
                {
                    "strip" => AccessLogQueryMode.Strip,
                    "keep" => AccessLogQueryMode.Keep,
                    _ => null,
                };
                if (mode is null) { return $"'{v}' is not a setting (expected strip or keep)"; }
                u = o with { AccessLog = o.AccessLog with { Query = mode.Value } };
                return null;
            }),
    ];

    /// <summary>
    /// An access log path must be absolute (the daemon's working directory is nobody's business) and appendable now: its
    /// directory exists, it is not a directory, and opening it for appending works (which creates it when missing), so a
    /// typo or a permission problem stops the start-up instead of silently losing every line.
    /// </summary>
    private static string? ValidateAccessLogPath(string path)
    {
        if (!Path.IsPathFullyQualified(path))
        {
            return $"'{path}' is neither off, stdout nor an absolute path";
        }

        if (Directory.Exists(path))
        {
            return $"'{path}' is a directory, expected a file path";
        }

        string? directory = Path.GetDirectoryName(path);
        if (directory is null || !Directory.Exists(directory))
        {
            return $"directory '{directory}' does not exist";
        }

        try
        {
            using var probe = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot open '{path}' for appending: {ex.Message}";
        }

        return null;
    }
}
