namespace Terminator.Configuration;

/// <summary>The JA4 fingerprint variable (<c>TERMINATOR_JA4_HEADER</c>).</summary>
internal static partial class TerminatorEnvironment
{
    /// <summary>A field name longer than this is surely a mistake (and would cost every request its bytes).</summary>
    private const int MaxJa4HeaderLength = 64;

    /// <summary>
    /// Names the header may not take, compared as the proxy compares (case and '_'/'-' aside): the fields that frame or
    /// route a message or are hop-by-hop (RFC 9110 §7.6.1, RFC 9112 §6), the forwarding fields Terminator rewrites, the
    /// response fields its policy handles, and the request fields the tracking server and the micro-cache read — dropping
    /// the client's copy of any of them would break requests or smuggle a second meaning into them.
    /// </summary>
    private static readonly string[] s_reservedJa4HeaderNames =
    [
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
        "Upgrade", "Expect", "X-Forwarded-For", "X-Forwarded-Proto", "Forwarded", "X-Forwarded-Host", "X-Forwarded-Port",
        "X-Real-IP", "Server", "X-Powered-By", "Strict-Transport-Security", "User-Agent", "Referer", "Cookie",
        "Authorization", "Cache-Control",
    ];

    // A property, not a field: the Specs field initializer of the other part reads it (see AcmeSpecs).
    private static Spec[] Ja4Specs =>
    [
        new(new("TERMINATOR_JA4_HEADER", "", "Request header (e.g. X-JA4) that carries the client's JA4 TLS fingerprint (FoxIO) to the tracking server on every HTTPS request; a client-sent header of that name (also spelt with '_' for '-') is removed, on plain HTTP too. Unset or 'off': off. Must be a field-name token and not a framing, hop-by-hop or forwarding header."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                if (v.Equals("off", StringComparison.OrdinalIgnoreCase))
                {
                    u = o with { Ja4Header = null };
                    return null;
                }

                string? e = ValidateJa4Header(v);
                u = e is null ? o with { Ja4Header = v } : o;
                return e;
            }),
    ];

    /// <summary>Null when <paramref name="name"/> can be the JA4 header; else why not.</summary>
    internal static string? ValidateJa4Header(string name)
    {
        if (name.Length > MaxJa4HeaderLength)
        {
            return $"'{name}' is longer than {MaxJa4HeaderLength} characters";
        }

        foreach (char c in name)
        {
            // RFC 9110 §5.1 field-name = token; §5.6.2 tchar.
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c)))
            {
                return $"'{name}' is not a header field name (a token: letters, digits and !#$%&'*+-.^_`|~)";
            }
        }

        foreach (string reserved in s_reservedJa4HeaderNames)
        {
            if (reserved.Length == name.Length && reserved.Equals(name.Replace('_', '-'), StringComparison.OrdinalIgnoreCase))
            {
                return $"'{name}' is a header Terminator or the request needs ({reserved}); choose another name such as X-JA4";
            }
        }

        return null;
    }
}
