using System.Globalization;

namespace Terminator.Configuration;

/// <summary>
/// Validates a Strict-Transport-Security value (RFC 6797 §6.1) for <c>TERMINATOR_HSTS</c> and writes it in one canonical
/// spelling. Stricter than the grammar on purpose: this value is pinned into browsers for up to its max-age, so a
/// typo must stop the start-up rather than be sent (a browser ignores a directive it does not know, so
/// "includeSubdomain" would silently protect nothing).
/// </summary>
internal static class StrictTransportSecurityValue
{
    /// <summary>hstspreload.org accepts a preload submission only with at least a year's max-age.</summary>
    public const long PreloadMinimumMaxAge = 31_536_000;

    /// <summary>
    /// Parses "max-age=&lt;digits&gt;[; includeSubDomains][; preload]" (directives in any order and case, optional
    /// whitespace, each at most once, RFC 6797 §6.1 rules 1-2; max-age required, §6.1.1). A quoted max-age
    /// (<c>max-age="600"</c>) is accepted as the grammar allows. <paramref name="normalized"/> is
    /// "max-age=N[; includeSubDomains][; preload]". Returns null or the problem.
    /// </summary>
    public static string? TryParse(string value, out string normalized)
    {
        normalized = string.Empty;
        long maxAge = -1;
        bool includeSubDomains = false;
        bool preload = false;
        foreach (string part in value.Split(';'))
        {
            string directive = part.Trim(' ', '\t');
            if (directive.Length == 0)
            {
                continue; // the grammar allows empty directives ("max-age=1;")
            }

            int equals = directive.IndexOf('=', StringComparison.Ordinal);
            string name = (equals < 0 ? directive : directive[..equals]).TrimEnd(' ', '\t');
            string? argument = equals < 0 ? null : directive[(equals + 1)..].TrimStart(' ', '\t');
            if (name.Equals("max-age", StringComparison.OrdinalIgnoreCase))
            {
                if (maxAge >= 0)
                {
                    return $"'{value}' names max-age twice (RFC 6797 §6.1: each directive at most once)";
                }

                if (argument is { Length: >= 2 } && argument[0] == '"' && argument[^1] == '"')
                {
                    argument = argument[1..^1];
                }

                if (string.IsNullOrEmpty(argument) || argument.Length > 18 || !argument.All(char.IsAsciiDigit))
                {
                    return $"'{value}': max-age must be a number of seconds (max-age=31536000)";
                }

                maxAge = long.Parse(argument, NumberStyles.None, CultureInfo.InvariantCulture);
            }
            else if (name.Equals("includeSubDomains", StringComparison.OrdinalIgnoreCase) || name.Equals("preload", StringComparison.OrdinalIgnoreCase))
            {
                bool isPreload = name.Length == "preload".Length;
                if (argument is not null)
                {
                    return $"'{value}': {name} takes no value";
                }

                if (isPreload ? preload : includeSubDomains)
                {
                    return $"'{value}' names {name} twice (RFC 6797 §6.1: each directive at most once)";
                }

                preload |= isPreload;
                includeSubDomains |= !isPreload;
            }
            else
            {
                return $"'{value}': unknown directive '{name}' (expected max-age=<seconds>, includeSubDomains, preload)";
            }
        }

        if (maxAge < 0)
        {
            return $"'{value}' has no max-age (expected e.g. max-age=31536000; includeSubDomains)";
        }

        if (preload && (!includeSubDomains || maxAge < PreloadMinimumMaxAge))
        {
            return $"'{value}': preload needs includeSubDomains and max-age of at least {PreloadMinimumMaxAge} (hstspreload.org rejects anything less)";
        }

        normalized = string.Create(CultureInfo.InvariantCulture,
            $"max-age={maxAge}{(includeSubDomains ? "; includeSubDomains" : "")}{(preload ? "; preload" : "")}");
        return null;
    }
}
