using System.Text;
using Npgsql;

namespace Terminator.Configuration;

/// <summary>
/// Reads <c>TERMINATOR_DATABASE_URL</c> in the three forms operators have at hand: a libpq URI
/// (<c>postgresql://user:password@host:5432/db?sslmode=require</c>), a libpq keyword string
/// (<c>host=db1 port=5432 dbname=terminator user=terminator</c>), or an Npgsql connection string
/// (<c>Host=db1;Database=terminator;Username=terminator</c>); returns the Npgsql form. No message ever repeats the value
/// or the password (PostgreSQL documentation, "Connection Strings", §34.1.1).
/// </summary>
internal static class DatabaseConnectionString
{
    // libpq keyword → Npgsql keyword, for the parameters a node needs; anything else is named back as unsupported.
    private static readonly Dictionary<string, string> s_libpq = new(StringComparer.Ordinal)
    {
        ["host"] = "Host",
        ["hostaddr"] = "Host",
        ["port"] = "Port",
        ["dbname"] = "Database",
        ["user"] = "Username",
        ["password"] = "Password",
        ["passfile"] = "Passfile",
        ["sslmode"] = "SSL Mode",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["connect_timeout"] = "Timeout",
        ["application_name"] = "Application Name",
        ["options"] = "Options",
        ["target_session_attrs"] = "Target Session Attributes",
    };

    /// <summary>Parses <paramref name="text"/>; on success <paramref name="connectionString"/> is the Npgsql form and
    /// <paramref name="description"/> names host, port, database and user (no password).</summary>
    public static string? TryParse(string text, out string? connectionString, out string? description)
    {
        connectionString = null;
        description = null;
        text = text.Trim();
        var builder = new NpgsqlConnectionStringBuilder();
        string? problem = text.StartsWith("postgresql://", StringComparison.Ordinal) || text.StartsWith("postgres://", StringComparison.Ordinal)
            ? ReadUri(text, builder)
            : !text.Contains(';', StringComparison.Ordinal) && LooksLikeLibpq(text) ? ReadKeywords(text, builder)
            : ReadNpgsql(text, builder);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrEmpty(builder.Host))
        {
            return "names no host (postgresql://user@host/database, host=... or Host=...)";
        }

        connectionString = builder.ConnectionString;
        description = $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username ?? "?"} as {builder.Username ?? "(login user)"}";
        return null;
    }

    private static string? ReadNpgsql(string text, NpgsqlConnectionStringBuilder builder)
    {
        try
        {
            builder.ConnectionString = text;
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // Npgsql names the keyword or the position, which helps; but a password holding a ';' would be split and its
            // tail named as a keyword, so with a password present nothing of the message is repeated.
            return text.Contains("password", StringComparison.OrdinalIgnoreCase)
                ? "not a PostgreSQL connection string (Npgsql form: Host=...;Database=...;Username=...; quote a value holding ';')"
                : $"not a PostgreSQL connection string ({ex.Message})";
        }
    }

    private static bool LooksLikeLibpq(string text)
    {
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 && s_libpq.ContainsKey(text[..equals].Trim());
    }

    /// <summary>libpq's <c>keyword = value</c> pairs separated by spaces; a value may be single-quoted, with \' and \\.</summary>
    private static string? ReadKeywords(string text, NpgsqlConnectionStringBuilder builder)
    {
        int at = 0;
        while (true)
        {
            while (at < text.Length && char.IsWhiteSpace(text[at])) { at++; }
            if (at == text.Length) { return null; }
            int equals = text.IndexOf('=', at);
            if (equals < 0) { return "a keyword without '=value' (libpq form: host=... dbname=... user=...)"; }
            string keyword = text[at..equals].Trim();
            at = equals + 1;
            while (at < text.Length && char.IsWhiteSpace(text[at])) { at++; }
            var value = new StringBuilder();
            if (at < text.Length && text[at] == '\'')
            {
                at++;
                while (at < text.Length && text[at] != '\'')
                {
                    if (text[at] == '\\' && at + 1 < text.Length) { at++; }
                    value.Append(text[at++]);
                }

                if (at == text.Length) { return $"the value of '{keyword}' has no closing quote"; }
                at++;
            }
            else
            {
                while (at < text.Length && !char.IsWhiteSpace(text[at])) { value.Append(text[at++]); }
            }

            if (Set(builder, keyword, value.ToString()) is { } problem) { return problem; }
        }
    }

    private static string? ReadUri(string text, NpgsqlConnectionStringBuilder builder)
    {
        // postgresql://[user[:password]@][host][:port][/dbname][?keyword=value&...] (RFC 3986 with percent-encoding).
        string rest = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..];
        string? query = null;
        int question = rest.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0) { query = rest[(question + 1)..]; rest = rest[..question]; }
        string? database = null;
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0) { database = rest[(slash + 1)..]; rest = rest[..slash]; }
        int at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            string userInfo = rest[..at];
            rest = rest[(at + 1)..];
            int colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            string user = colon < 0 ? userInfo : userInfo[..colon];
            if (user.Length > 0 && Set(builder, "user", Uri.UnescapeDataString(user)) is { } p1) { return p1; }
            if (colon >= 0 && Set(builder, "password", Uri.UnescapeDataString(userInfo[(colon + 1)..])) is { } p2) { return p2; }
        }

        string host = rest;
        string? port = null;
        int portColon = rest.StartsWith('[') ? rest.IndexOf("]:", StringComparison.Ordinal) + 1 : rest.LastIndexOf(':');
        if (portColon > 0) { host = rest[..portColon]; port = rest[(portColon + 1)..]; }
        host = host.Trim('[', ']');
        if (host.Length > 0 && Set(builder, "host", Uri.UnescapeDataString(host)) is { } p3) { return p3; }
        if (!string.IsNullOrEmpty(port) && Set(builder, "port", port) is { } p4) { return p4; }
        if (!string.IsNullOrEmpty(database) && Set(builder, "dbname", Uri.UnescapeDataString(database)) is { } p5) { return p5; }
        foreach (string pair in (query ?? string.Empty).Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0) { return "a URI parameter without '=value'"; }
            if (Set(builder, Uri.UnescapeDataString(pair[..equals]), Uri.UnescapeDataString(pair[(equals + 1)..])) is { } p6) { return p6; }
        }

        return null;
    }

    private static string? Set(NpgsqlConnectionStringBuilder builder, string keyword, string value)
    {
        if (!s_libpq.TryGetValue(keyword, out string? npgsql))
        {
            return $"parameter '{keyword}' is not supported (supported: {string.Join(", ", s_libpq.Keys)})";
        }

        try
        {
            builder[npgsql] = keyword == "sslmode" ? SslMode(value) : value;
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            return keyword == "password" ? "the password cannot be used" : $"'{keyword}' has a value that cannot be used";
        }
    }

    /// <summary>libpq's sslmode names (verify-ca, verify-full) as Npgsql spells them.</summary>
    private static string SslMode(string value) => value switch
    {
        "verify-ca" => "VerifyCA",
        "verify-full" => "VerifyFull",
        _ => value,
    };
}
