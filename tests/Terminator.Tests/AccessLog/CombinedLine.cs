using System.Globalization;
using System.Text.RegularExpressions;

namespace Terminator.Tests.AccessLog;

/// <summary>One combined-format access log line, split into its fields by a regular expression written from the
/// documented format (nginx's combined, then Terminator's fields), so a line that does not match fails the test.</summary>
public sealed partial record CombinedLine(
    string RemoteAddress,
    DateTime Time,
    string Request,
    int Status,
    long BodyBytesSent,
    string Referer,
    string UserAgent,
    string ServerName,
    string TlsProtocol,
    string TlsCipher,
    string UpstreamAddress,
    string UpstreamStatus,
    double RequestTime,
    string UpstreamConnectTime,
    string UpstreamHeaderTime,
    string UpstreamResponseTime,
    int ConnectionRequests,
    string CacheStatus,
    string Ja4)
{
    public static CombinedLine Parse(string line)
    {
        Match m = Pattern().Match(line);
        Assert.True(m.Success, $"not a combined access log line: {line}");
        return new CombinedLine(
            m.Groups["addr"].Value,
            DateTime.ParseExact(m.Groups["time"].Value, "dd/MMM/yyyy:HH:mm:ss +0000", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            m.Groups["request"].Value,
            int.Parse(m.Groups["status"].Value, CultureInfo.InvariantCulture),
            long.Parse(m.Groups["bytes"].Value, CultureInfo.InvariantCulture),
            m.Groups["referer"].Value,
            m.Groups["ua"].Value,
            m.Groups["sni"].Value,
            m.Groups["proto"].Value,
            m.Groups["cipher"].Value,
            m.Groups["upaddr"].Value,
            m.Groups["upstatus"].Value,
            double.Parse(m.Groups["rt"].Value, CultureInfo.InvariantCulture),
            m.Groups["uct"].Value,
            m.Groups["uht"].Value,
            m.Groups["urt"].Value,
            int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture),
            m.Groups["cache"].Value,
            m.Groups["ja4"].Value);
    }

    /// <summary>A duration field: seconds with exactly three decimals.</summary>
    public static double Seconds(string field)
    {
        Assert.Matches(@"^\d+\.\d{3}$", field);
        return double.Parse(field, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("""
        ^(?<addr>\S+)\ -\ -\ \[(?<time>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2}\ \+0000)\]
        \ "(?<request>(?:[^"\\]|\\.)*)"\ (?<status>\d{3})\ (?<bytes>\d+)
        \ "(?<referer>(?:[^"\\]|\\.)*)"\ "(?<ua>(?:[^"\\]|\\.)*)"
        \ (?<sni>\S+)\ (?<proto>\S+)\ (?<cipher>\S+)\ (?<upaddr>\S+)\ (?<upstatus>\S+)
        \ (?<rt>\d+\.\d{3})\ (?<uct>\S+)\ (?<uht>\S+)\ (?<urt>\S+)\ (?<n>\d+)\ (?<cache>-|HIT|MISS|EXPIRED|BYPASS)\ (?<ja4>-|t[0-9A-Za-z]{9}_[0-9a-f]{12}_[0-9a-f]{12})$
        """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Pattern();
}
