using System.Text;
using Terminator.Http;

namespace Terminator.Caching;

/// <summary>Which requests may be answered from (and fill) the micro-cache.</summary>
internal static class CacheRequestPolicy
{
    private static ReadOnlySpan<byte> Get => "GET"u8;
    private static ReadOnlySpan<byte> Head => "HEAD"u8;
    private static ReadOnlySpan<byte> AuthorizationName => "Authorization"u8;
    private static ReadOnlySpan<byte> CacheControlName => "Cache-Control"u8;
    private static ReadOnlySpan<byte> PragmaName => "Pragma"u8;
    private static ReadOnlySpan<byte> NoCache => "no-cache"u8;
    private static ReadOnlySpan<byte> NoStore => "no-store"u8;

    /// <summary>
    /// GET or HEAD without a body, without Authorization (someone's own answer, RFC 9111 §3.5), and without a client's
    /// Cache-Control no-cache or no-store (a reload that asks for the origin; RFC 9111 §5.4: Pragma: no-cache too). The
    /// others bypass the cache: not looked up, not stored.
    /// </summary>
    public static bool Allows(HttpRequestHead request, bool hasBody)
    {
        ReadOnlySpan<byte> method = request.Method;
        if (hasBody || !(method.SequenceEqual(Get) || method.SequenceEqual(Head)))
        {
            return false;
        }

        for (int i = 0; i < request.HeaderCount; i++)
        {
            ReadOnlySpan<byte> name = request.GetName(i);
            if (Is(name, AuthorizationName))
            {
                return false;
            }

            if ((Is(name, CacheControlName) || Is(name, PragmaName)) && HasDirective(request.GetValue(i), NoCache, NoStore))
            {
                return false;
            }
        }

        return true;
    }

    internal static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> expected) =>
        name.Length == expected.Length && Ascii.EqualsIgnoreCase(name, expected);

    /// <summary>Whether the comma list <paramref name="value"/> holds directive <paramref name="first"/> or
    /// <paramref name="second"/> (case-insensitive, RFC 9111 §5.2; a value after '=' is ignored).</summary>
    internal static bool HasDirective(ReadOnlySpan<byte> value, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var directives = new CommaListEnumerator(value);
        while (directives.MoveNext())
        {
            ReadOnlySpan<byte> directive = directives.Current;
            int equals = directive.IndexOf((byte)'=');
            ReadOnlySpan<byte> name = HttpSyntax.TrimOws(equals < 0 ? directive : directive[..equals]);
            if (Is(name, first) || Is(name, second))
            {
                return true;
            }
        }

        return false;
    }
}
