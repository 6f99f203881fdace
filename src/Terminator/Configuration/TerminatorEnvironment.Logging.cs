namespace Terminator.Configuration;

/// <summary>The log variables besides <c>TERMINATOR_LOG_LEVEL</c>.</summary>
internal static partial class TerminatorEnvironment
{
    // A property, not a field: the Specs field initializer of the other part reads it (see AcmeSpecs).
    private static Spec[] LoggingSpecs =>
    [
        new(new("TERMINATOR_LOG_FORMAT", "text", "Log line format on stderr: 'text' (2026-12-03T23:30:01.123Z info  [area] message) or 'json' (one object per line: timestamp, level, area, eventId, event, message and the event's fields)."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                string format = v.ToLowerInvariant();
                bool ok = format is "text" or "json";
                u = ok ? o with { LogFormat = format } : o;
                return ok ? null : $"'{v}' is not a log format (expected text or json)";
            }),
    ];
}
