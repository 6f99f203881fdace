namespace Terminator.Configuration;

/// <summary>What the micro-cache makes of the origin's own caching headers (<c>TERMINATOR_CACHE_ORIGIN_HEADERS</c>).</summary>
internal enum CacheOriginHeaders
{
    /// <summary>The TTL applies whatever the origin's Cache-Control says, as the CDN settings documented for email
    /// tracking domains do (tracking servers send <c>no-cache</c> so that browsers come back).</summary>
    Ignore,

    /// <summary>Cache-Control no-store, no-cache or private and Vary: * keep a response out; s-maxage or max-age shorter
    /// than the TTL shortens its stay.</summary>
    Respect,
}
