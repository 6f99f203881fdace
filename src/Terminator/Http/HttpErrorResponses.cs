using System.Text;

namespace Terminator.Http;

/// <summary>
/// Prebuilt, immutable error responses sent by the terminator itself (no Server/version banner, always
/// "Connection: close" since after an error the connection state cannot be trusted).
/// </summary>
internal static class HttpErrorResponses
{
    // Every status the table holds, with its reason phrase; the index is the slot in a table (see Index).
    private static readonly (int Status, string Reason)[] s_statuses =
    [
        (400, "Bad Request"),
        (404, "Not Found"),
        (408, "Request Timeout"),
        (413, "Content Too Large"),
        (414, "URI Too Long"),
        // RFC 9110 §15.5.20: the request reached a server not configured for its target host (Host outside the names
        // the connection's certificate covers, after TLS session reuse or connection coalescing); the client may retry
        // on a new connection.
        (421, "Misdirected Request"),
        (431, "Request Header Fields Too Large"),
        (500, "Internal Server Error"),
        (501, "Not Implemented"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
        (504, "Gateway Timeout"),
        (505, "HTTP Version Not Supported"),
    ];

    private static readonly ReadOnlyMemory<byte>[] s_plain = CreateTable(default);

    /// <summary>
    /// The complete response bytes for <paramref name="statusCode"/> (400, 404, 408, 413, 414, 421, 431, 500, 501, 502,
    /// 503, 504, 505). Any other code yields the 500 response.
    /// </summary>
    public static ReadOnlyMemory<byte> Get(int statusCode) => s_plain[Index(statusCode)];

    /// <summary>
    /// Builds every response once with <paramref name="extraFields"/> (complete field lines, each ending in CRLF, such
    /// as Strict-Transport-Security) after the standard ones; look responses up with <see cref="Get(ReadOnlyMemory{byte}[], int)"/>.
    /// For start-up, not for a request path.
    /// </summary>
    public static ReadOnlyMemory<byte>[] CreateTable(ReadOnlySpan<byte> extraFields)
    {
        string extra = Encoding.ASCII.GetString(extraFields);
        var table = new ReadOnlyMemory<byte>[s_statuses.Length];
        for (int i = 0; i < table.Length; i++)
        {
            table[i] = Build(s_statuses[i].Status, s_statuses[i].Reason, extra);
        }

        return table;
    }

    /// <summary>The response for <paramref name="statusCode"/> from a table made by <see cref="CreateTable"/>.</summary>
    public static ReadOnlyMemory<byte> Get(ReadOnlyMemory<byte>[] table, int statusCode) => table[Index(statusCode)];

    private static int Index(int statusCode) => statusCode switch
    {
        400 => 0,
        404 => 1,
        408 => 2,
        413 => 3,
        414 => 4,
        421 => 5,
        431 => 6,
        501 => 8,
        502 => 9,
        503 => 10,
        504 => 11,
        505 => 12,
        _ => 7,
    };

    private static byte[] Build(int statusCode, string reason, string extraFields)
    {
        string body = FormattableString.Invariant($"{statusCode} {reason}\n");
        string response = FormattableString.Invariant(
            $"HTTP/1.1 {statusCode} {reason}\r\nContent-Length: {body.Length}\r\nContent-Type: text/plain\r\nConnection: close\r\n{extraFields}\r\n{body}");
        return Encoding.ASCII.GetBytes(response);
    }
}
