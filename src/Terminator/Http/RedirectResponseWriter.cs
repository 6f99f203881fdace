using System.Buffers;

namespace Terminator.Http;

/// <summary>Writes the terminator's own redirect: <c>301 Moved Permanently</c> to an https:// URL, with an empty body.</summary>
internal static class RedirectResponseWriter
{
    private static ReadOnlySpan<byte> StatusAndLocation => "HTTP/1.1 301 Moved Permanently\r\nLocation: https://"u8;
    private static ReadOnlySpan<byte> EmptyBody => "\r\nContent-Length: 0\r\n"u8;
    private static ReadOnlySpan<byte> ConnectionClose => "Connection: close\r\n"u8;
    private static ReadOnlySpan<byte> ConnectionKeepAlive => "Connection: keep-alive\r\n"u8;
    private static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    /// <summary>
    /// Writes "301, Location: https://&lt;host&gt;&lt;port&gt;&lt;target&gt;" in one
    /// <see cref="IBufferWriter{T}.GetSpan"/>. The caller passes parts it has validated: <paramref name="host"/> a
    /// host name, <paramref name="port"/> empty or ":&lt;digits&gt;", <paramref name="target"/> an origin-form
    /// request-target as the request parser accepted it (no CR, LF or space can reach the header).
    /// <paramref name="announceKeepAlive"/> adds <c>Connection: keep-alive</c> for an HTTP/1.0 client that asked to keep
    /// the connection (RFC 9112 §C.2.2).
    /// </summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> host, ReadOnlySpan<byte> port, ReadOnlySpan<byte> target,
        bool closeConnection, bool announceKeepAlive)
    {
        ArgumentNullException.ThrowIfNull(output);
        ReadOnlySpan<byte> connection = closeConnection ? ConnectionClose : announceKeepAlive ? ConnectionKeepAlive : default;
        int size = StatusAndLocation.Length + host.Length + port.Length + target.Length + EmptyBody.Length + connection.Length + CrLf.Length;
        Span<byte> span = output.GetSpan(size);
        int position = 0;
        Append(span, ref position, StatusAndLocation);
        Append(span, ref position, host);
        Append(span, ref position, port);
        Append(span, ref position, target);
        Append(span, ref position, EmptyBody);
        Append(span, ref position, connection);
        Append(span, ref position, CrLf);
        output.Advance(position);
    }

    private static void Append(Span<byte> span, ref int position, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[position..]);
        position += bytes.Length;
    }
}
