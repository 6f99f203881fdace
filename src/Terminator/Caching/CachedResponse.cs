namespace Terminator.Caching;

/// <summary>
/// A stored response, immutable once published: its head as it goes to the client (status line and fields, the response
/// policy applied, hop-by-hop fields and any origin Age removed, without the closing empty line) and its body. A hit
/// writes both, with Age and the connection field between them, and allocates nothing.
/// </summary>
internal sealed class CachedResponse : CacheItem
{
    // Dictionary node, queue slot, this object and its arrays' headers: what an entry costs beyond its bytes.
    internal const int Overhead = 160;

    public CachedResponse(byte[] key, byte[] head, byte[] body, int statusCode, long storedAt, long expiresAt)
        : base(key)
    {
        Head = head;
        Body = body;
        StatusCode = statusCode;
        StoredAt = storedAt;
        ExpiresAt = expiresAt;
        Size = key.Length + head.Length + body.Length + Overhead;
    }

    /// <summary>"HTTP/1.1 200 OK\r\n" and the field lines, each ending in CRLF; no empty line.</summary>
    public byte[] Head { get; }

    /// <summary>The body as the origin sent it (empty for HEAD and bodiless answers).</summary>
    public byte[] Body { get; }

    public int StatusCode { get; }

    /// <summary><see cref="Environment.TickCount64"/> when the response arrived (its Age counts from here).</summary>
    public long StoredAt { get; }

    /// <summary><see cref="Environment.TickCount64"/> from which it is no longer served.</summary>
    public long ExpiresAt { get; }

    /// <summary>What the entry counts against the cache's byte budget.</summary>
    public int Size { get; }

    /// <summary>Whole seconds since the response arrived (RFC 9111 §5.1: Age is a non-negative integer of seconds).</summary>
    public long AgeSeconds(long now) => Math.Max(0, now - StoredAt) / 1000;
}
