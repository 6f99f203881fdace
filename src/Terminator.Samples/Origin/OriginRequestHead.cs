namespace Terminator.Samples.Origin;

/// <summary>The parts of a request head the sample origin acts on; spans point into the head buffer.</summary>
internal ref struct OriginRequestHead
{
    /// <summary>True for <c>HEAD</c>: same headers as GET, no body (RFC 9110 §9.3.2).</summary>
    public bool IsHead;

    /// <summary>True for <c>GET</c> or <c>HEAD</c>; the only methods with a route.</summary>
    public bool IsGetOrHead;

    /// <summary>True when the request was HTTP/1.0.</summary>
    public bool IsHttp10;

    /// <summary>Whether the connection may carry another request after this one (RFC 9112 §9.3).</summary>
    public bool KeepAlive;

    /// <summary>Body bytes that follow the head and must be skipped (0 when none).</summary>
    public long ContentLength;

    /// <summary>The raw request-target (origin-form, still percent-encoded).</summary>
    public ReadOnlySpan<byte> Target;
}

/// <summary>Result of <see cref="OriginRequestParser.TryParse"/>.</summary>
internal enum OriginParseStatus
{
    /// <summary>The head is well formed.</summary>
    Ok,

    /// <summary>Framing cannot be trusted (bad request line, header syntax, Transfer-Encoding): 400 and close.</summary>
    Malformed,
}
