namespace Terminator.Http;

/// <summary>Header field names as UTF-8 literals (compare with <see cref="System.Text.Ascii.EqualsIgnoreCase(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>).</summary>
internal static class HeaderNames
{
    /// <summary>Host.</summary>
    public static ReadOnlySpan<byte> Host => "Host"u8;
    /// <summary>Content-Length.</summary>
    public static ReadOnlySpan<byte> ContentLength => "Content-Length"u8;
    /// <summary>Transfer-Encoding.</summary>
    public static ReadOnlySpan<byte> TransferEncoding => "Transfer-Encoding"u8;
    /// <summary>Connection.</summary>
    public static ReadOnlySpan<byte> Connection => "Connection"u8;
    /// <summary>Keep-Alive.</summary>
    public static ReadOnlySpan<byte> KeepAlive => "Keep-Alive"u8;
    /// <summary>Proxy-Connection.</summary>
    public static ReadOnlySpan<byte> ProxyConnection => "Proxy-Connection"u8;
    /// <summary>TE.</summary>
    public static ReadOnlySpan<byte> TE => "TE"u8;
    /// <summary>Trailer.</summary>
    public static ReadOnlySpan<byte> Trailer => "Trailer"u8;
    /// <summary>Upgrade.</summary>
    public static ReadOnlySpan<byte> Upgrade => "Upgrade"u8;
    /// <summary>Expect.</summary>
    public static ReadOnlySpan<byte> Expect => "Expect"u8;
    /// <summary>X-Forwarded-For.</summary>
    public static ReadOnlySpan<byte> XForwardedFor => "X-Forwarded-For"u8;
    /// <summary>X-Forwarded-Proto.</summary>
    public static ReadOnlySpan<byte> XForwardedProto => "X-Forwarded-Proto"u8;
    /// <summary>X-Forwarded-Host.</summary>
    public static ReadOnlySpan<byte> XForwardedHost => "X-Forwarded-Host"u8;
    /// <summary>X-Forwarded-Port.</summary>
    public static ReadOnlySpan<byte> XForwardedPort => "X-Forwarded-Port"u8;
    /// <summary>Forwarded (RFC 7239).</summary>
    public static ReadOnlySpan<byte> Forwarded => "Forwarded"u8;
    /// <summary>X-Real-IP (nginx's realip convention).</summary>
    public static ReadOnlySpan<byte> XRealIp => "X-Real-IP"u8;
    /// <summary>Server (RFC 9110 §10.2.4).</summary>
    public static ReadOnlySpan<byte> Server => "Server"u8;
    /// <summary>X-Powered-By (a framework banner: PHP, Express, ASP.NET).</summary>
    public static ReadOnlySpan<byte> XPoweredBy => "X-Powered-By"u8;
    /// <summary>Strict-Transport-Security (RFC 6797 §6.1).</summary>
    public static ReadOnlySpan<byte> StrictTransportSecurity => "Strict-Transport-Security"u8;
}
