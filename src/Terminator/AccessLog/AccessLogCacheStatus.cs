namespace Terminator.AccessLog;

/// <summary>What the micro-cache did with a request: nginx's <c>$upstream_cache_status</c>, with its spelling.</summary>
internal enum AccessLogCacheStatus : byte
{
    /// <summary>The cache is off, or the request ended before it (a refused head, an edge answer, a 421): "-" / null.</summary>
    None,

    /// <summary>Answered from memory (also after waiting for an identical request that was upstream).</summary>
    Hit,

    /// <summary>Nothing stored: sent upstream.</summary>
    Miss,

    /// <summary>The stored response had expired: sent upstream.</summary>
    Expired,

    /// <summary>Not cacheable (method, body, Authorization, client no-cache): sent upstream, not stored.</summary>
    Bypass,
}
