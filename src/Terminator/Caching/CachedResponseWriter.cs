using System.Buffers;
using System.Buffers.Text;

namespace Terminator.Caching;

/// <summary>Writes a <see cref="CachedResponse"/> to a client: one <see cref="IBufferWriter{T}.GetSpan"/> for the head,
/// the body after it. Nothing is allocated.</summary>
internal static class CachedResponseWriter
{
    private static ReadOnlySpan<byte> AgePrefix => "Age: "u8;
    private static ReadOnlySpan<byte> ConnectionClose => "Connection: close\r\n"u8;
    private static ReadOnlySpan<byte> ConnectionKeepAlive => "Connection: keep-alive\r\n"u8;
    private const int MaxAgeDigits = 20;

    /// <param name="ageSeconds">The Age to send (RFC 9111 §5.1, a hit); negative sends none (the request that fetched it).</param>
    /// <param name="closeConnection">Adds Connection: close.</param>
    /// <param name="announceKeepAlive">Adds Connection: keep-alive (an HTTP/1.0 client staying open, RFC 9112 §C.2.2).</param>
    /// <returns>The body bytes written.</returns>
    public static int Write(IBufferWriter<byte> output, CachedResponse response, long ageSeconds, bool closeConnection, bool announceKeepAlive)
    {
        ReadOnlySpan<byte> connection = closeConnection ? ConnectionClose : announceKeepAlive ? ConnectionKeepAlive : default;
        int size = response.Head.Length + AgePrefix.Length + MaxAgeDigits + 2 + connection.Length + 2;
        Span<byte> span = output.GetSpan(size);
        response.Head.CopyTo(span);
        int position = response.Head.Length;
        if (ageSeconds >= 0)
        {
            AgePrefix.CopyTo(span[position..]);
            position += AgePrefix.Length;
            Utf8Formatter.TryFormat(ageSeconds, span[position..], out int written);
            position += written;
            span[position++] = (byte)'\r';
            span[position++] = (byte)'\n';
        }

        connection.CopyTo(span[position..]);
        position += connection.Length;
        span[position++] = (byte)'\r';
        span[position++] = (byte)'\n';
        output.Advance(position);
        if (response.Body.Length == 0)
        {
            return 0;
        }

        output.Write(response.Body);
        return response.Body.Length;
    }
}
