using Microsoft.Extensions.Logging;

namespace Terminator.Storage;

/// <summary>The encrypted certificate store's log lines (event ids 700-799).</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "TERMINATOR_STORE_KEY_FILE: {problem}")]
    public static partial void KeyFilePermissions(ILogger logger, string problem);

    /// <summary>An entry that failed at start-up (torn, tampered with, another key); the watcher does not read it
    /// again until it changes.</summary>
    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "store entry skipped: {path}: {reason}")]
    public static partial void EntrySkipped(ILogger logger, string path, string reason);
}
