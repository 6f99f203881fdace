using Microsoft.Extensions.Logging;

namespace Terminator.Caching;

/// <summary>The micro-cache's log events (event ids 1400-1499).</summary>
internal static partial class CacheLog
{
    /// <summary>At start: what the cache will do, so an operator reading the log knows why the origin sees fewer requests.</summary>
    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "micro-cache on: TTL {ttl}, up to {maxBytes} bytes, origin Cache-Control {originHeaders}")]
    public static partial void Enabled(ILogger logger, string ttl, long maxBytes, string originHeaders);
}
