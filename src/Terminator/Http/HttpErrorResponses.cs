using System.Text;

namespace Terminator.Http;

/// <summary>
/// Prebuilt, immutable error responses sent by the terminator itself (no Server/version banner, always
/// "Connection: close" since after an error the connection state cannot be trusted).
/// </summary>
internal static class HttpErrorResponses
{
    private static readonly ReadOnlyMemory<byte> s_400 = Build(400, "Bad Request");
    private static readonly ReadOnlyMemory<byte> s_404 = Build(404, "Not Found");
    private static readonly ReadOnlyMemory<byte> s_408 = Build(408, "Request Timeout");
    private static readonly ReadOnlyMemory<byte> s_413 = Build(413, "Content Too Large");
    private static readonly ReadOnlyMemory<byte> s_414 = Build(414, "URI Too Long");
    // RFC 9110 §15.5.20: the request reached a server not configured for its target host (Host outside the names the
    // connection's certificate covers, after TLS session reuse or connection coalescing); the client may retry on a new connection.
    private static readonly ReadOnlyMemory<byte> s_421 = Build(421, "Misdirected Request");
    private static readonly ReadOnlyMemory<byte> s_431 = Build(431, "Request Header Fields Too Large");
    private static readonly ReadOnlyMemory<byte> s_500 = Build(500, "Internal Server Error");
    private static readonly ReadOnlyMemory<byte> s_501 = Build(501, "Not Implemented");
    private static readonly ReadOnlyMemory<byte> s_502 = Build(502, "Bad Gateway");
    private static readonly ReadOnlyMemory<byte> s_503 = Build(503, "Service Unavailable");
    private static readonly ReadOnlyMemory<byte> s_504 = Build(504, "Gateway Timeout");
    private static readonly ReadOnlyMemory<byte> s_505 = Build(505, "HTTP Version Not Supported");

    /// <summary>
    /// The complete response bytes for <paramref name="statusCode"/> (400, 404, 408, 413, 414, 421, 431, 500, 501, 502,
    /// 503, 504, 505). Any other code yields the 500 response.
    /// </summary>
    public static ReadOnlyMemory<byte> Get(int statusCode) => statusCode switch
    {
        400 => s_400,
        404 => s_404,
        408 => s_408,
        413 => s_413,
        414 => s_414,
        421 => s_421,
        431 => s_431,
        501 => s_501,
        502 => s_502,
        503 => s_503,
        504 => s_504,
        505 => s_505,
        _ => s_500,
    };

    private static byte[] Build(int statusCode, string reason)
    {
        string body = FormattableString.Invariant($"{statusCode} {reason}\n");
        string response = FormattableString.Invariant(
            $"HTTP/1.1 {statusCode} {reason}\r\nContent-Length: {body.Length}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n{body}");
        return Encoding.ASCII.GetBytes(response);
    }
}
