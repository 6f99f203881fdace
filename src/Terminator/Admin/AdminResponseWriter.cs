using System.Buffers;
using System.Globalization;
using System.Text;

namespace Terminator.Admin;

/// <summary>
/// Formats an <see cref="AdminResponse"/> as HTTP/1.1 (RFC 9112 §4, §6): status line, Content-Type and Content-Length
/// whenever there is content, Cache-Control: no-store (answers carry per-domain state behind a token, and no proxy
/// should keep them), the response's own fields, Connection: close when the connection ends after it.
/// </summary>
internal static class AdminResponseWriter
{
    /// <summary>Writes the response to <paramref name="output"/>; for HEAD the fields describe the body that is not sent (RFC 9110 §9.3.2).</summary>
    public static void Write(IBufferWriter<byte> output, AdminResponse response, bool close, bool isHead)
    {
        var head = new StringBuilder(192);
        head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.Status} {ReasonPhrase(response.Status)}\r\n");
        if (response.Status != 204)
        {
            // RFC 9110 §8.6: a 204 has no Content-Length; everything else states its length, even when it is 0.
            if (!response.Body.IsEmpty)
            {
                head.Append("Content-Type: ").Append(response.ContentType ?? "application/json").Append("\r\n");
            }

            head.Append(CultureInfo.InvariantCulture, $"Content-Length: {response.Body.Length}\r\n");
        }

        head.Append("Cache-Control: no-store\r\n");
        AppendField(head, "WWW-Authenticate", response.WwwAuthenticate);
        AppendField(head, "Allow", response.Allow);
        AppendField(head, "Location", response.Location);
        if (close)
        {
            head.Append("Connection: close\r\n");
        }

        head.Append("\r\n");
        Span<byte> destination = output.GetSpan(head.Length);
        int written = Encoding.ASCII.GetBytes(head.ToString(), destination);
        output.Advance(written);
        if (!isHead && !response.Body.IsEmpty)
        {
            output.Write(response.Body.Span);
        }
    }

    /// <summary>The status line's reason phrase (RFC 9110 §15); informational only, but clients log it.</summary>
    public static string ReasonPhrase(int status) => status switch
    {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Internal Server Error",
    };

    private static void AppendField(StringBuilder head, string name, string? value)
    {
        if (value is not null)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
    }
}
