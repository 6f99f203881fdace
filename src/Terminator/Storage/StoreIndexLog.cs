using Microsoft.Extensions.Logging;

namespace Terminator.Storage;

/// <summary>The store index's log lines (event ids 1600-1699).</summary>
internal static partial class StoreIndexLog
{
    /// <summary>One line per start-up (and per full rescan that loaded something): how much came from the index.</summary>
    [LoggerMessage(EventId = 1600, Level = LogLevel.Information,
        Message = "store index {path}: {fromIndex} entries from the index, {fromFiles} read from their files in {elapsedMs} ms ({records} records read in {readMs} ms)")]
    public static partial void Used(ILogger logger, string path, int fromIndex, int fromFiles, long elapsedMs, int records, long readMs);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Warning,
        Message = "store index {path} is {state}: entries it does not cover are read from their files, and the index is rewritten")]
    public static partial void Damaged(ILogger logger, string path, string state);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Information, Message = "store index {path} rewritten: {records} records in {elapsedMs} ms")]
    public static partial void Rewritten(ILogger logger, string path, int records, long elapsedMs);

    /// <summary>The index is a cache: failing to write it costs the next start-up time, nothing else.</summary>
    [LoggerMessage(EventId = 1603, Level = LogLevel.Warning, Message = "store index {path} not written: {reason}")]
    public static partial void WriteFailed(ILogger logger, string path, string reason);
}
