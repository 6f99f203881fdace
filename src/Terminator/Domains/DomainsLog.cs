using Microsoft.Extensions.Logging;

namespace Terminator.Domains;

/// <summary>The managed-domain registry's log lines (event ids 900-999).</summary>
internal static partial class DomainsLog
{
    [LoggerMessage(EventId = 900, Level = LogLevel.Error, Message = "a change handler failed for {name} ({kind})")]
    public static partial void ChangeHandlerFailed(ILogger logger, string name, ManagedDomainChangeKind kind, Exception exception);

    [LoggerMessage(EventId = 901, Level = LogLevel.Information, Message = "compacted {domains} domains into {path} in {elapsedMs:0} ms")]
    public static partial void Compacted(ILogger logger, int domains, string path, double elapsedMs);

    [LoggerMessage(EventId = 902, Level = LogLevel.Error, Message = "compaction in {directory} failed: {reason}")]
    public static partial void CompactionFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(EventId = 903, Level = LogLevel.Information, Message = "removing '{path}', left by an interrupted write")]
    public static partial void RemovingInterruptedWrite(ILogger logger, string path);

    [LoggerMessage(EventId = 904, Level = LogLevel.Warning, Message = "'{path}' ends with {bytes} bytes of an interrupted write after {records} records; they are dropped")]
    public static partial void TornWriteDropped(ILogger logger, string path, long bytes, long records);

    [LoggerMessage(EventId = 905, Level = LogLevel.Error, Message = "'{path}' {problem}; {bytes} bytes from offset {offset} are ignored and kept in '{aside}'")]
    public static partial void DamagedRecordsKeptAside(ILogger logger, string path, string problem, long bytes, long offset, string aside);

    [LoggerMessage(EventId = 906, Level = LogLevel.Information, Message = "{domains} managed domains loaded in {elapsedMs:0} ms")]
    public static partial void Loaded(ILogger logger, int domains, double elapsedMs);
}
