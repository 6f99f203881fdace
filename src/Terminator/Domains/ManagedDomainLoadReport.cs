namespace Terminator.Domains;

/// <summary>What opening the registry read, for the start-up log line.</summary>
/// <param name="Domains">Domains managed after the load.</param>
/// <param name="SnapshotRecords">Records read from the snapshot.</param>
/// <param name="JournalRecords">Records replayed from the journals written since.</param>
/// <param name="DiscardedBytes">Bytes after the last good record of a journal: a write a crash tore (or damage, then
/// also kept aside in a <c>damaged-*</c> file and logged).</param>
/// <param name="Elapsed">Wall time of the load, index build included.</param>
internal sealed record ManagedDomainLoadReport(int Domains, long SnapshotRecords, long JournalRecords, long DiscardedBytes, TimeSpan Elapsed);
