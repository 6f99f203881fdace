namespace Terminator.Diagnostics;

/// <summary>How a node following a shared store (TERMINATOR_STORE=postgres) stands, for /metrics.</summary>
/// <param name="Connected">True while the node listens for changes on a live database connection.</param>
/// <param name="AppliedGeneration">The last store generation this node applied.</param>
/// <param name="LagSeconds">Seconds since the node was last known to be in step with the database: 0 while connected
/// (changes arrive as notifications), growing while the database is unreachable.</param>
/// <param name="Notifications">Change notifications received.</param>
/// <param name="MissedChanges">Changes found by catch-up or the periodic reconciliation that no notification had
/// delivered (notification gaps: an outage, or a notification lost).</param>
/// <param name="Reconnects">Times the listening connection was re-established after a loss.</param>
/// <param name="RowsRefused">Rows refused because they failed authentication (edited in the database, another key).</param>
internal readonly record struct StoreSyncStatus(
    bool Connected, long AppliedGeneration, double LagSeconds, long Notifications, long MissedChanges, long Reconnects, long RowsRefused);
