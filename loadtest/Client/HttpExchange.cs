using System.Buffers;
using System.Text.Unicode;

namespace Terminator.LoadTest.Client;

/// <summary>
/// HTTP/1.1 over a stream, just enough for tracking traffic: a GET written with <see cref="Utf8.TryWrite"/> into a
/// pooled buffer, and a response read up to its Content-Length (RFC 9112 §6.3; tracking responses are never chunked:
/// 302 with an empty body, the 43-byte GIF, error pages with a length).
/// </summary>
internal static class HttpExchange
{
    private const int BufferSize = 16 * 1024;

    /// <summary>Writes <c>GET {path} HTTP/1.1</c> with Host and User-Agent (and Connection: close when asked).</summary>
    public static async ValueTask<int> SendGetAsync(Stream stream, string host, string pathPrefix, long id, string? query, bool close, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            if (!Utf8.TryWrite(buffer, $"GET {pathPrefix}{id:x}{query} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: terminator-loadtest\r\nAccept: */*\r\n{(close ? "Connection: close\r\n" : "")}\r\n", out int written))
            {
                throw new InvalidOperationException("request longer than 1 KiB");
            }

            await stream.WriteAsync(buffer.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
            return written;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static async ValueTask<HttpResponse> ReadResponseAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int filled = 0;
            int headEnd;
            while ((headEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (filled == buffer.Length)
                {
                    throw new InvalidDataException("response head over 16 KiB");
                }

                int read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return HttpResponse.Closed with { WireBytes = filled };
                }

                filled += read;
            }

            (int status, int length, bool close) = ParseHead(buffer.AsSpan(0, headEnd + 2));
            int bodyStart = headEnd + 4;
            int needed = bodyStart + length;
            bool gif = false;
            // The body: only its first bytes matter (GIF signature); the rest is read and dropped.
            while (filled < needed)
            {
                if (!gif && filled - bodyStart >= 6)
                {
                    gif = buffer.AsSpan(bodyStart, 6).SequenceEqual("GIF89a"u8);
                }

                int room = Math.Min(buffer.Length - filled, needed - filled);
                if (room == 0)
                {
                    needed -= filled - bodyStart;
                    filled = bodyStart;
                    continue;
                }

                int read = await stream.ReadAsync(buffer.AsMemory(filled, room), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return HttpResponse.Closed with { Status = status };
                }

                filled += read;
            }

            if (length >= 6)
            {
                gif |= buffer.AsSpan(bodyStart, 6).SequenceEqual("GIF89a"u8);
            }

            return new HttpResponse(status, length, gif, close, bodyStart + length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Status code, Content-Length (0 when absent) and Connection: close from a head ending in CRLF.</summary>
    private static (int Status, int Length, bool Close) ParseHead(ReadOnlySpan<byte> head)
    {
        if (head.Length < 12 || !head.StartsWith("HTTP/1."u8))
        {
            throw new InvalidDataException("not an HTTP/1.x response");
        }

        int status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
        int length = 0;
        bool close = false;
        int lineEnd = head.IndexOf("\r\n"u8);
        ReadOnlySpan<byte> rest = head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = rest[..end];
            rest = rest[(end + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            ReadOnlySpan<byte> name = line[..colon];
            ReadOnlySpan<byte> value = line[(colon + 1)..].Trim((byte)' ');
            if (System.Text.Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                length = 0;
                foreach (byte digit in value)
                {
                    length = length * 10 + (digit - '0');
                }
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(name, "connection"u8) && System.Text.Ascii.EqualsIgnoreCase(value, "close"u8))
            {
                close = true;
            }
        }

        return (status, length, close);
    }
}
