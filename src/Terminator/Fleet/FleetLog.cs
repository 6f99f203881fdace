using Microsoft.Extensions.Logging;

namespace Terminator.Fleet;

/// <summary>The shared store's log lines (event ids 1700-1799). Never a connection string or a password.</summary>
internal static partial class FleetLog
{
    [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "store: {database}, schema version {version} ({migration})")]
    public static partial void SchemaReady(ILogger logger, string database, int version, string migration);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Information, Message = "snapshot {directory} in step with the database at generation {generation}: {changes} changes applied ({mode}) in {elapsedMs} ms")]
    public static partial void SnapshotSynced(ILogger logger, string directory, long generation, int changes, string mode, long elapsedMs);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Warning, Message = "database unreachable at start-up ({reason}): serving the local snapshot {directory} as of generation {generation}, catching up when it returns")]
    public static partial void ServingSnapshot(ILogger logger, string reason, string directory, long generation);

    [LoggerMessage(EventId = 1703, Level = LogLevel.Warning, Message = "store row refused, not served: {location} (generation {generation}): {reason}")]
    public static partial void RowRefused(ILogger logger, string location, long generation, string reason);

    [LoggerMessage(EventId = 1704, Level = LogLevel.Warning, Message = "database connection lost ({reason}): serving what this node has, reconnecting with backoff")]
    public static partial void ConnectionLost(ILogger logger, string reason);

    [LoggerMessage(EventId = 1705, Level = LogLevel.Information, Message = "database connection back after {downMs} ms and {attempts} attempts: caught up {changes} changes to generation {generation}")]
    public static partial void Reconnected(ILogger logger, long downMs, int attempts, int changes, long generation);

    [LoggerMessage(EventId = 1706, Level = LogLevel.Debug, Message = "store change applied: {id} generation {generation} ({change})")]
    public static partial void ChangeApplied(ILogger logger, string id, long generation, string change);

    [LoggerMessage(EventId = 1707, Level = LogLevel.Information, Message = "reconciliation found {changes} changes no notification delivered, now at generation {generation}")]
    public static partial void ReconciliationCaughtUp(ILogger logger, int changes, long generation);

    [LoggerMessage(EventId = 1708, Level = LogLevel.Warning, Message = "the snapshot {directory} was taken from another database (or none): loading the whole store")]
    public static partial void SnapshotFromElsewhere(ILogger logger, string directory);

    [LoggerMessage(EventId = 1709, Level = LogLevel.Warning, Message = "store change not applied: {reason}")]
    public static partial void ApplyFailed(ILogger logger, string reason);
}
