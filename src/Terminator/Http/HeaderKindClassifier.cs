using System.Text;

namespace Terminator.Http;

/// <summary>Maps field names to <see cref="HeaderKind"/> (case-insensitive, RFC 9110 §5.1) and hop-by-hop rules.</summary>
internal static class HeaderKindClassifier
{
    public static HeaderKind Classify(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 => Ascii.EqualsIgnoreCase(name, HeaderNames.TE) ? HeaderKind.TE : HeaderKind.Other,
        4 => Ascii.EqualsIgnoreCase(name, HeaderNames.Host) ? HeaderKind.Host : HeaderKind.Other,
        6 => Ascii.EqualsIgnoreCase(name, HeaderNames.Expect) ? HeaderKind.Expect
            : Ascii.EqualsIgnoreCase(name, HeaderNames.Server) ? HeaderKind.Server : HeaderKind.Other,
        7 => Ascii.EqualsIgnoreCase(name, HeaderNames.Trailer) ? HeaderKind.Trailer
            : Ascii.EqualsIgnoreCase(name, HeaderNames.Upgrade) ? HeaderKind.Upgrade : HeaderKind.Other,
        9 => Ascii.EqualsIgnoreCase(name, HeaderNames.Forwarded) ? HeaderKind.Forwarded
            : IsForwardingName(name, HeaderNames.XRealIp) ? HeaderKind.XRealIp : HeaderKind.Other,
        10 => Ascii.EqualsIgnoreCase(name, HeaderNames.Connection) ? HeaderKind.Connection
            : Ascii.EqualsIgnoreCase(name, HeaderNames.KeepAlive) ? HeaderKind.KeepAlive : HeaderKind.Other,
        12 => Ascii.EqualsIgnoreCase(name, HeaderNames.XPoweredBy) ? HeaderKind.XPoweredBy : HeaderKind.Other,
        14 => Ascii.EqualsIgnoreCase(name, HeaderNames.ContentLength) ? HeaderKind.ContentLength : HeaderKind.Other,
        15 => IsForwardingName(name, HeaderNames.XForwardedFor) ? HeaderKind.XForwardedFor : HeaderKind.Other,
        16 => Ascii.EqualsIgnoreCase(name, HeaderNames.ProxyConnection) ? HeaderKind.ProxyConnection
            : IsForwardingName(name, HeaderNames.XForwardedHost) ? HeaderKind.XForwardedHost
            : IsForwardingName(name, HeaderNames.XForwardedPort) ? HeaderKind.XForwardedPort : HeaderKind.Other,
        17 => Ascii.EqualsIgnoreCase(name, HeaderNames.TransferEncoding) ? HeaderKind.TransferEncoding
            : IsForwardingName(name, HeaderNames.XForwardedProto) ? HeaderKind.XForwardedProto : HeaderKind.Other,
        25 => Ascii.EqualsIgnoreCase(name, HeaderNames.StrictTransportSecurity) ? HeaderKind.StrictTransportSecurity : HeaderKind.Other,
        _ => HeaderKind.Other,
    };

    /// <summary>RFC 9110 §7.6.1 connection-specific fields that a proxy must not forward.</summary>
    public static bool IsAlwaysHopByHop(HeaderKind kind) => kind is HeaderKind.Connection or HeaderKind.KeepAlive
        or HeaderKind.ProxyConnection or HeaderKind.TE or HeaderKind.Trailer or HeaderKind.Upgrade;

    /// <summary>
    /// Fields a Connection header may NOT get stripped ("Connection: Content-Length" would desynchronise the body framing
    /// between us and upstream; Host/X-Forwarded-* are rewritten or required by us).
    /// </summary>
    public static bool IsProtected(HeaderKind kind) => kind is HeaderKind.Host or HeaderKind.ContentLength
        or HeaderKind.TransferEncoding or HeaderKind.XForwardedFor or HeaderKind.XForwardedProto;

    /// <summary>
    /// Case-insensitive match of a forwarding field name in which '_' may stand for '-'. CGI-style back ends (RFC 3875
    /// §4.1.18 meta-variables: PHP, WSGI, Rack) map both "X-Forwarded-For" and "X_Forwarded_For" to
    /// HTTP_X_FORWARDED_FOR, so the underscore spelling is the same field to them and must not slip past the rewrite
    /// (nginx and Apache httpd drop underscored names for the same reason).
    /// </summary>
    private static bool IsForwardingName(ReadOnlySpan<byte> name, ReadOnlySpan<byte> canonical)
    {
        if (name.Length != canonical.Length)
        {
            return false;
        }

        for (int i = 0; i < name.Length; i++)
        {
            byte expected = canonical[i];
            byte actual = name[i];
            bool same = expected == (byte)'-'
                ? actual is (byte)'-' or (byte)'_'
                : (actual | 0x20) == (expected | 0x20); // canonical is letters and '-' only; | 0x20 maps no other byte onto a letter
            if (!same)
            {
                return false;
            }
        }

        return true;
    }
}
