using System.Globalization;

namespace Terminator.Configuration;

/// <summary>The micro-cache variables (<c>TERMINATOR_CACHE_*</c>).</summary>
internal static partial class TerminatorEnvironment
{
    private const long MinCacheBytes = 64 * 1024;
    private const long MaxCacheBytes = 64L * 1024 * 1024 * 1024;

    // A property, not a field: the Specs field initializer of the other part reads it (see AcmeSpecs).
    private static Spec[] CacheSpecs =>
    [
        new(new("TERMINATOR_CACHE_TTL", "0", "Micro-cache: how long a GET/HEAD response (200, 301, 302, 303, 307, 308, 404 without Set-Cookie, body up to 64 KiB) is answered from memory for the same method, Host, request target and User-Agent, byte for byte; concurrent identical requests go upstream once. 10s is what CDN set-ups for email tracking domains use (repeat fetches by link scanners are answered here). '0' or 'off': no cache."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                if (v is "0" || v.Equals("off", StringComparison.OrdinalIgnoreCase))
                {
                    u = o with { Cache = o.Cache with { Ttl = TimeSpan.Zero } };
                    return null;
                }

                string? e = DurationParser.TryParse(v, OneHour, out TimeSpan ttl);
                u = e is null ? o with { Cache = o.Cache with { Ttl = ttl } } : o;
                return e;
            }),
        new(new("TERMINATOR_CACHE_MAX_BYTES", "64m", "Memory the micro-cache may hold (keys, heads, bodies, per-entry overhead): bytes, or with a k, m or g suffix (KiB, MiB, GiB), 64k to 64g. The oldest entries leave first when it is full."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                string? e = TryParseByteSize(v, MinCacheBytes, MaxCacheBytes, out long bytes);
                u = e is null ? o with { Cache = o.Cache with { MaxBytes = bytes } } : o;
                return e;
            }),
        new(new("TERMINATOR_CACHE_ORIGIN_HEADERS", "ignore", "The origin's Cache-Control and the micro-cache: 'ignore' applies TERMINATOR_CACHE_TTL whatever it says (the documented CDN setting: tracking servers send no-cache for browsers); 'respect' keeps no-store, no-cache, private and Vary: * responses out and lets a shorter s-maxage or max-age shorten the stay."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                CacheOriginHeaders? mode = v.ToLowerInvariant() switch
                {
                    "ignore" => CacheOriginHeaders.Ignore,
                    "respect" => CacheOriginHeaders.Respect,
                    _ => null,
                };
                if (mode is null) { return $"'{v}' is not a setting (expected ignore or respect)"; }
                u = o with { Cache = o.Cache with { OriginHeaders = mode.Value } };
                return null;
            }),
    ];

    /// <summary>A byte count: digits, optionally followed by k, m or g (binary multiples, any case).</summary>
    private static string? TryParseByteSize(string text, long min, long max, out long value)
    {
        value = 0;
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        long unit = 1;
        if (!s.IsEmpty && char.ToLowerInvariant(s[^1]) is 'k' or 'm' or 'g')
        {
            unit = char.ToLowerInvariant(s[^1]) switch { 'k' => 1024L, 'm' => 1024L * 1024, _ => 1024L * 1024 * 1024 };
            s = s[..^1];
        }

        if (s.IsEmpty || s.Length > 12 || !long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long amount))
        {
            return $"'{text}' is not a size (bytes, or a number with k, m or g: 64m)";
        }

        if (amount > max / unit || amount * unit < min)
        {
            return $"'{text}' is out of range (64k to 64g)";
        }

        value = amount * unit;
        return null;
    }
}
