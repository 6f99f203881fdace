using System.Diagnostics.CodeAnalysis;

namespace Terminator.Admin;

/// <summary>
/// The query of an admin request as name/value pairs, percent-decoded (RFC 3986 §2.1). Strict, as befits an API: a
/// parameter the endpoint does not take, or one given twice, is a 400 with the reason, not silently ignored.
/// </summary>
internal static class AdminQuery
{
    public static bool TryParse(string query, ReadOnlySpan<string> allowed, [NotNullWhen(true)] out Dictionary<string, string>? values,
        [NotNullWhen(false)] out string? reason)
    {
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        reason = null;
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            string name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            string value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (!allowed.Contains(name))
            {
                reason = allowed.IsEmpty
                    ? $"unknown query parameter '{Shorten(name)}' (this call takes none)"
                    : $"unknown query parameter '{Shorten(name)}' (this call takes {string.Join(", ", allowed.ToArray())})";
                values = null;
                return false;
            }

            if (!values.TryAdd(name, value))
            {
                reason = $"query parameter '{name}' is given more than once";
                values = null;
                return false;
            }
        }

        return true;
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "...");
}
