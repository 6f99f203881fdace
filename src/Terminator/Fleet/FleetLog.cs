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

    [LoggerMessage(EventId = 1710, Level = LogLevel.Information, Message = "challenge {kind} for {domain} published to every node")]
    public static partial void ChallengePublished(ILogger logger, string kind, string domain);

    [LoggerMessage(EventId = 1711, Level = LogLevel.Warning, Message = "challenge {kind} for {domain}: this node's own notification did not come back within {waitMs} ms (nodes catch up on reconnection and every few seconds); validating anyway")]
    public static partial void ChallengeNotSeen(ILogger logger, string kind, string domain, long waitMs);

    [LoggerMessage(EventId = 1712, Level = LogLevel.Debug, Message = "challenge {kind} {name} answered here (published by a node)")]
    public static partial void ChallengeMirrored(ILogger logger, string kind, string name);

    [LoggerMessage(EventId = 1713, Level = LogLevel.Warning, Message = "challenge table connection lost ({reason}): answering the challenges this node has, reconnecting with backoff")]
    public static partial void ChallengeConnectionLost(ILogger logger, string reason);

    [LoggerMessage(EventId = 1714, Level = LogLevel.Information, Message = "order lease for {domain} held by {holder} until {expiresAt:u}: skipped here, retried at {retry:u}")]
    public static partial void LeaseHeldElsewhere(ILogger logger, string domain, string holder, DateTimeOffset expiresAt, DateTimeOffset retry);

    [LoggerMessage(EventId = 1715, Level = LogLevel.Warning, Message = "order lease for {domain} could not be taken ({reason}): skipped here, retried at {retry:u}")]
    public static partial void LeaseUnavailable(ILogger logger, string domain, string reason, DateTimeOffset retry);

    [LoggerMessage(EventId = 1716, Level = LogLevel.Warning, Message = "order lease for {domain} lost ({reason}): the order stops here, retried at {retry:u}")]
    public static partial void LeaseLost(ILogger logger, string domain, string reason, DateTimeOffset retry);

    // 1730-1739: the shared managed-domain registry and ACME account.
    [LoggerMessage(EventId = 1730, Level = LogLevel.Information, Message = "managed domains in step with the database: {rows} rows, {changed} applied here, {joined} of this node's own added to the fleet, generation {generation}, {elapsedMs} ms")]
    public static partial void DomainsSynced(ILogger logger, int rows, int changed, int joined, long generation, long elapsedMs);

    [LoggerMessage(EventId = 1731, Level = LogLevel.Debug, Message = "managed domain {name} applied from the database (generation {generation}): {state}")]
    public static partial void DomainApplied(ILogger logger, string name, long generation, string state);

    [LoggerMessage(EventId = 1732, Level = LogLevel.Warning, Message = "managed domain row refused, not applied: {reason}")]
    public static partial void DomainRowRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 1733, Level = LogLevel.Warning, Message = "managed domains connection lost ({reason}): serving this node's copy, reconnecting with backoff")]
    public static partial void DomainsConnectionLost(ILogger logger, string reason);

    [LoggerMessage(EventId = 1734, Level = LogLevel.Information, Message = "managed domains caught up: {changes} changes no notification delivered, now at generation {generation}")]
    public static partial void DomainsCaughtUp(ILogger logger, int changes, long generation);

    [LoggerMessage(EventId = 1735, Level = LogLevel.Warning, Message = "managed domain {name}: change not applied here yet ({reason}); the next catch-up applies it")]
    public static partial void DomainApplyFailed(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 1736, Level = LogLevel.Warning, Message = "database unreachable at start-up ({reason}): serving this node's copy of the managed domains ({count}), in step once it returns")]
    public static partial void DomainsFromLocalCopy(ILogger logger, string reason, int count);

    [LoggerMessage(EventId = 1737, Level = LogLevel.Information, Message = "ACME account for {directory}: {origin}")]
    public static partial void AccountShared(ILogger logger, string directory, string origin);

    // 1740-1749: nodes, heartbeats, pruning, least privilege.
    [LoggerMessage(EventId = 1740, Level = LogLevel.Debug, Message = "node heartbeat not written ({reason}): retried every interval")]
    public static partial void HeartbeatFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1741, Level = LogLevel.Information, Message = "pruned {tombstones} tombstones older than {horizonDays} days (pruned through generation {generation}) and {nodes} nodes gone as long")]
    public static partial void Pruned(ILogger logger, int tombstones, long generation, int nodes, double horizonDays);

    [LoggerMessage(EventId = 1742, Level = LogLevel.Warning, Message = "this node's snapshot was at generation {applied}, below the pruned tombstones' {prunedThrough}: removals may have been missed, so its ids were reconciled against the live ids ({removed} removed)")]
    public static partial void ReconciledWhole(ILogger logger, long applied, long prunedThrough, int removed);

    [LoggerMessage(EventId = 1743, Level = LogLevel.Warning, Message = "TERMINATOR_DATABASE_URL_FILE: {problem}")]
    public static partial void DatabaseUrlFilePermissions(ILogger logger, string problem);

    [LoggerMessage(EventId = 1744, Level = LogLevel.Information, Message = "this node is {node} in the fleet (its row in the nodes table, its order leases and its writes' updated_by; heartbeat every {intervalSeconds} s)")]
    public static partial void NodeRegistered(ILogger logger, string node, double intervalSeconds);
}
