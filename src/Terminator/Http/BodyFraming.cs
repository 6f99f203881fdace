namespace Terminator.Http;

/// <summary>How the end of a message body is determined (RFC 9112 §6.3).</summary>
internal enum BodyFraming
{
    /// <summary>No body.</summary>
    None,

    /// <summary>Exactly Content-Length bytes follow the head.</summary>
    ContentLength,

    /// <summary>Chunked transfer coding; use <see cref="ChunkedBodyParser"/> to find the end.</summary>
    Chunked,

    /// <summary>The body ends when the upstream closes the connection (responses only).</summary>
    CloseDelimited,
}
