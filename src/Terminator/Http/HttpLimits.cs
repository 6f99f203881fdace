namespace Terminator.Http;

/// <summary>Size limits applied while parsing HTTP/1.1 heads and chunked framing (defences against memory exhaustion).</summary>
internal sealed record HttpLimits
{
    /// <summary>Maximum size of a request/response head (start line + fields + empty line), bytes. Larger → 431.</summary>
    public int MaxHeaderBytes { get; init; } = 32 * 1024;

    /// <summary>Maximum number of header field lines. More → 431.</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>Maximum request-target length, bytes. Longer → 414.</summary>
    public int MaxRequestTargetLength { get; init; } = 8 * 1024;

    /// <summary>Maximum length of one chunk-size line (size + extensions, excluding CRLF) in a chunked body.</summary>
    public int MaxChunkLineLength { get; init; } = 4 * 1024;

    /// <summary>Maximum size of the trailer section of a chunked body, bytes.</summary>
    public int MaxTrailerBytes { get; init; } = 32 * 1024;

    /// <summary>The default limits.</summary>
    public static HttpLimits Default { get; } = new();
}
