namespace Terminator.Configuration;

/// <summary>The micro-cache (<c>TERMINATOR_CACHE_TTL</c>, <c>TERMINATOR_CACHE_MAX_BYTES</c>,
/// <c>TERMINATOR_CACHE_ORIGIN_HEADERS</c>); off by default.</summary>
internal sealed record CacheOptions
{
    /// <summary>Off: nothing is looked up or stored.</summary>
    public static CacheOptions Off { get; } = new();

    /// <summary>How long a stored response is served; <see cref="TimeSpan.Zero"/> turns the cache off.</summary>
    public TimeSpan Ttl { get; init; }

    /// <summary>Bound of everything the cache holds (keys, heads, bodies and per-entry overhead), in bytes.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Whether the origin's Cache-Control can keep a response out or shorten its stay.</summary>
    public CacheOriginHeaders OriginHeaders { get; init; } = CacheOriginHeaders.Ignore;

    /// <summary>Largest response body stored (fixed): tracking answers are a 43-byte GIF, a redirect or a small page;
    /// anything bigger is not what repeat scanner fetches cost, and buffering it would delay its first byte.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Default <see cref="MaxBytes"/>: 64 MiB, some 60,000 tracking answers (about 1 KiB each with key and head).</summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    public bool Enabled => Ttl > TimeSpan.Zero;
}
