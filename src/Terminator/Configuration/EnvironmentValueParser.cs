using System.Globalization;
using System.Net;

namespace Terminator.Configuration;

/// <summary>
/// Start-up parsers for single <c>TERMINATOR_*</c> values. Each returns <see langword="null"/> on success or a short
/// error phrase (without the variable name, which <see cref="TerminatorEnvironment"/> prefixes). Durations have their
/// own parser, shared with the command line: <see cref="DurationParser"/>. Not a hot path.
/// </summary>
internal static class EnvironmentValueParser
{
    /// <summary>Parses a plain decimal integer within [min, max].</summary>
    public static string? TryParseInt(string text, int min, int max, out int value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 10 || !IsAllDigits(text))
        {
            return $"'{text}' is not a whole number (expected {min}..{max})";
        }

        long parsed = long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        if (parsed < min || parsed > max)
        {
            return $"{parsed} is out of range (expected {min}..{max})";
        }

        value = (int)parsed;
        return null;
    }

    /// <summary>Parses a comma-separated <c>ip:port</c> list (IPv6 as <c>[::1]:443</c>; port 0 = ephemeral).</summary>
    public static string? TryParseEndPointList(string text, out IReadOnlyList<IPEndPoint> endPoints)
    {
        var list = new List<IPEndPoint>();
        endPoints = list;
        foreach (string rawItem in text.Split(','))
        {
            string item = rawItem.Trim();
            string? error = TryParseEndPoint(item, out IPEndPoint? endPoint);
            if (error is not null)
            {
                return error;
            }

            if (list.Contains(endPoint!))
            {
                return $"'{item}' is listed twice";
            }

            list.Add(endPoint!);
        }

        return null;
    }

    private static string? TryParseEndPoint(string item, out IPEndPoint? endPoint)
    {
        endPoint = null;
        const string Expected = "(expected ip:port, e.g. 0.0.0.0:443 or [::]:443)";
        if (item.Length == 0)
        {
            return $"empty entry in the list {Expected}";
        }

        string host;
        string port;
        if (item[0] == '[')
        {
            int close = item.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0)
            {
                return $"'{item}' is not a valid endpoint {Expected}";
            }

            host = item[1..close];
            port = item[(close + 2)..];
            if (!IPAddress.TryParse(host, out IPAddress? v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return $"'{host}' in '{item}' is not an IPv6 address";
            }

            return FinishEndPoint(item, v6, port, out endPoint);
        }

        int colon = item.LastIndexOf(':');
        if (colon < 0)
        {
            return $"'{item}' has no port {Expected}";
        }

        host = item[..colon];
        port = item[(colon + 1)..];
        if (host.Contains(':', StringComparison.Ordinal))
        {
            return $"'{item}': IPv6 addresses must be in brackets, e.g. [::1]:443";
        }

        // IPAddress.TryParse accepts shorthand such as "1" or "10.1"; insist on a dotted quad so typos fail loudly.
        if (host.AsSpan().Count('.') != 3 || !IPAddress.TryParse(host, out IPAddress? v4))
        {
            return $"'{host}' in '{item}' is not an IP address (host names are not allowed here)";
        }

        return FinishEndPoint(item, v4, port, out endPoint);
    }

    private static string? FinishEndPoint(string item, IPAddress address, string port, out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (port.Length == 0 || port.Length > 5 || !IsAllDigits(port))
        {
            return $"'{item}' has no valid port (expected 0..65535)";
        }

        int number = int.Parse(port, NumberStyles.None, CultureInfo.InvariantCulture);
        if (number > IPEndPoint.MaxPort)
        {
            return $"port {number} in '{item}' is out of range (expected 0..65535)";
        }

        endPoint = new IPEndPoint(address, number);
        return null;
    }

    /// <summary>Parses <c>http://host[:port][/]</c>; only plain http, because TLS ends at this proxy.</summary>
    public static string? TryParseUpstream(string text, out string host, out int port)
    {
        host = string.Empty;
        port = 0;
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || uri.HostNameType == UriHostNameType.Unknown)
        {
            return $"'{text}' is not an absolute URL (expected http://host:port, e.g. http://127.0.0.1:8080)";
        }

        if (!string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal))
        {
            return $"'{text}' uses scheme '{uri.Scheme}'; only http:// upstreams are supported";
        }

        if (uri.UserInfo.Length != 0)
        {
            return $"'{text}' must not contain user information";
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length != 0 || uri.Fragment.Length != 0)
        {
            return $"'{text}' must not have a path, query or fragment (requests keep their own path)";
        }

        if (uri.Port is < 1 or > IPEndPoint.MaxPort)
        {
            return $"'{text}' has an invalid port (expected 1..65535)";
        }

        host = uri.DnsSafeHost; // IPv6 literals without brackets, ready for IPAddress.Parse / DNS.
        port = uri.Port;
        return null;
    }

    /// <summary>Levenshtein distance, for "did you mean" suggestions on misspelt variable names.</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static bool IsAllDigits(ReadOnlySpan<char> s) => !s.ContainsAnyExceptInRange('0', '9');
}
