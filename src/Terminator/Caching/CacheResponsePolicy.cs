using System.Buffers.Text;
using Terminator.Configuration;
using Terminator.Http;

namespace Terminator.Caching;

/// <summary>Which upstream responses the micro-cache stores, and for how long.</summary>
internal static class CacheResponsePolicy
{
    private static ReadOnlySpan<byte> SetCookieName => "Set-Cookie"u8;
    private static ReadOnlySpan<byte> CacheControlName => "Cache-Control"u8;
    private static ReadOnlySpan<byte> VaryName => "Vary"u8;
    private static ReadOnlySpan<byte> NoStore => "no-store"u8;
    private static ReadOnlySpan<byte> NoCache => "no-cache"u8;
    private static ReadOnlySpan<byte> Private => "private"u8;
    private static ReadOnlySpan<byte> MaxAge => "max-age"u8;
    private static ReadOnlySpan<byte> SharedMaxAge => "s-maxage"u8;

    /// <summary>
    /// Whether <paramref name="response"/> may be stored, and for how long: status 200, 301, 302, 303, 307, 308 or 404;
    /// no Set-Cookie (someone's session must never reach someone else); a body of known length up to
    /// <see cref="CacheOptions.MaxBodyBytes"/> (chunked and close-delimited bodies are relayed as they come); with
    /// <see cref="CacheOriginHeaders.Respect"/>, the origin's Cache-Control and Vary as well.
    /// </summary>
    public static bool TryGetLifetime(HttpResponseHead response, bool requestWasHead, TimeSpan ttl, CacheOriginHeaders origin, out TimeSpan lifetime)
    {
        lifetime = ttl;
        if (response.StatusCode is not (200 or 301 or 302 or 303 or 307 or 308 or 404))
        {
            return false;
        }

        bool knownLength = requestWasHead
            || response.Framing == BodyFraming.None
            || (response.Framing == BodyFraming.ContentLength && response.ContentLength <= CacheOptions.MaxBodyBytes);
        if (!knownLength)
        {
            return false;
        }

        for (int i = 0; i < response.HeaderCount; i++)
        {
            ReadOnlySpan<byte> name = response.GetName(i);
            if (CacheRequestPolicy.Is(name, SetCookieName))
            {
                return false;
            }

            if (origin != CacheOriginHeaders.Respect)
            {
                continue;
            }

            ReadOnlySpan<byte> value = response.GetValue(i);
            if (CacheRequestPolicy.Is(name, VaryName) && value.IndexOf((byte)'*') >= 0)
            {
                return false; // RFC 9111 §4.1: Vary: * never matches a later request
            }

            if (CacheRequestPolicy.Is(name, CacheControlName) && !ApplyCacheControl(value, ref lifetime))
            {
                return false;
            }
        }

        return lifetime > TimeSpan.Zero;
    }

    /// <summary>RFC 9111 §5.2.2: no-store, no-cache (we do not revalidate) and private keep a response out of a shared
    /// cache; s-maxage, else max-age, caps its freshness.</summary>
    private static bool ApplyCacheControl(ReadOnlySpan<byte> value, ref TimeSpan lifetime)
    {
        if (CacheRequestPolicy.HasDirective(value, NoStore, NoCache) || CacheRequestPolicy.HasDirective(value, Private, Private))
        {
            return false;
        }

        long maxAge = -1, sharedMaxAge = -1;
        var directives = new CommaListEnumerator(value);
        while (directives.MoveNext())
        {
            ReadOnlySpan<byte> directive = directives.Current;
            int equals = directive.IndexOf((byte)'=');
            if (equals < 0)
            {
                continue;
            }

            ReadOnlySpan<byte> name = HttpSyntax.TrimOws(directive[..equals]);
            ReadOnlySpan<byte> argument = HttpSyntax.TrimOws(directive[(equals + 1)..]).Trim((byte)'"');
            if (!Utf8Parser.TryParse(argument, out long seconds, out int consumed) || consumed != argument.Length || seconds < 0)
            {
                continue; // RFC 9111 §4.2.1: an invalid freshness value is ignored here; the TTL stands
            }

            if (CacheRequestPolicy.Is(name, SharedMaxAge))
            {
                sharedMaxAge = seconds;
            }
            else if (CacheRequestPolicy.Is(name, MaxAge))
            {
                maxAge = seconds;
            }
        }

        long freshness = sharedMaxAge >= 0 ? sharedMaxAge : maxAge;
        if (freshness >= 0 && freshness < lifetime.TotalSeconds)
        {
            lifetime = TimeSpan.FromSeconds(freshness);
        }

        return true;
    }
}
