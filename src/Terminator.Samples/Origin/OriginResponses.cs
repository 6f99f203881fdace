using System.Buffers;
using System.IO.Pipelines;

namespace Terminator.Samples.Origin;

/// <summary>How the response tells the client about connection persistence (RFC 9112 §9.3).</summary>
internal enum ConnectionDirective
{
    /// <summary>HTTP/1.1 persistent connection: no header needed.</summary>
    Persist,

    /// <summary><c>Connection: close</c>; the server closes after this response.</summary>
    Close,

    /// <summary>HTTP/1.0 client asked for keep-alive: echo <c>Connection: keep-alive</c>.</summary>
    KeepAlive,
}

/// <summary>
/// Prebuilt response bytes for <see cref="SampleTrackingOrigin"/>. Status line and fixed headers are UTF-8 literals
/// compiled into the assembly, so writing a response is a few span copies into the <see cref="PipeWriter"/>.
/// We always answer HTTP/1.1, the highest version we support (RFC 9110 §6.2).
/// </summary>
internal static class OriginResponses
{
    private static ReadOnlySpan<byte> PixelHead =>
        "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nCache-Control: no-store, max-age=0\r\nContent-Length: 43\r\n"u8;

    private static ReadOnlySpan<byte> RedirectHead => "HTTP/1.1 302 Found\r\nContent-Length: 0\r\nLocation: "u8;

    private static ReadOnlySpan<byte> NotFoundHead => "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n"u8;

    private static ReadOnlySpan<byte> NotFoundBody => "not found\n"u8;

    private static ReadOnlySpan<byte> BadRequestHead => "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n"u8;

    private static ReadOnlySpan<byte> BadRequestBody => "bad request\n"u8;

    private static ReadOnlySpan<byte> TooLargeHead =>
        "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain\r\nContent-Length: 17\r\n"u8;

    private static ReadOnlySpan<byte> TooLargeBody => "header too large\n"u8;

    private static ReadOnlySpan<byte> CloseLine => "Connection: close\r\n\r\n"u8;

    private static ReadOnlySpan<byte> KeepAliveLine => "Connection: keep-alive\r\n\r\n"u8;

    private static ReadOnlySpan<byte> EndOfHead => "\r\n"u8;

    public static void WritePixel(PipeWriter writer, bool isHead, ConnectionDirective directive) =>
        Write(writer, PixelHead, SampleTrackingOrigin.GifBytes, isHead, directive);

    public static void WriteNotFound(PipeWriter writer, bool isHead, ConnectionDirective directive) =>
        Write(writer, NotFoundHead, NotFoundBody, isHead, directive);

    public static void WriteBadRequest(PipeWriter writer, bool isHead, ConnectionDirective directive) =>
        Write(writer, BadRequestHead, BadRequestBody, isHead, directive);

    /// <summary>431 always closes: the rest of the oversized head is still in flight and cannot be framed.</summary>
    public static void WriteHeadTooLarge(PipeWriter writer) =>
        Write(writer, TooLargeHead, TooLargeBody, isHead: false, ConnectionDirective.Close);

    /// <summary>Writes the 302 with <c>Location</c> built from the already-decoded, validated target.</summary>
    public static void WriteRedirect(PipeWriter writer, ReadOnlySpan<byte> decodedTarget, ConnectionDirective directive)
    {
        writer.Write(RedirectHead);
        int length = RedirectTarget.GetLocationLength(decodedTarget);
        Span<byte> span = writer.GetSpan(length);
        writer.Advance(RedirectTarget.WriteLocation(decodedTarget, span));
        writer.Write(EndOfHead);
        WriteDirective(writer, directive);
    }

    private static void Write(PipeWriter writer, ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, bool isHead, ConnectionDirective directive)
    {
        writer.Write(head);
        WriteDirective(writer, directive);
        if (!isHead)
        {
            writer.Write(body); // RFC 9110 §9.3.2: HEAD gets the same header fields, never the content
        }
    }

    private static void WriteDirective(PipeWriter writer, ConnectionDirective directive) => writer.Write(directive switch
    {
        ConnectionDirective.Close => CloseLine,
        ConnectionDirective.KeepAlive => KeepAliveLine,
        _ => EndOfHead,
    });
}
