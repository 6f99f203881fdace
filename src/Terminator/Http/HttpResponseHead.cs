namespace Terminator.Http;

/// <summary>
/// A parsed upstream HTTP/1.x response head; reusable like <see cref="HttpRequestHead"/> (a parse rents a pooled copy of
/// the head bytes, sized to it; <see cref="ReleaseFields"/> or <see cref="Reset"/> gives it back).
/// </summary>
internal sealed class HttpResponseHead : IDisposable
{
    private int _reasonStart;
    private int _reasonLength;

    /// <summary>Creates an empty head with storage sized by <paramref name="limits"/>.</summary>
    public HttpResponseHead(HttpLimits limits)
    {
        Storage = new HttpHeadStorage(limits);
        Reset();
    }

    internal HttpHeadStorage Storage { get; }

    /// <summary>The limits enforced when parsing into this head.</summary>
    public HttpLimits Limits => Storage.Limits;

    /// <summary>The 3-digit status code (100-599).</summary>
    public int StatusCode { get; internal set; }

    /// <summary>0 for HTTP/1.0, 1 for HTTP/1.1.</summary>
    public int VersionMinor { get; internal set; }

    /// <summary>The reason phrase as received (may be empty).</summary>
    public ReadOnlySpan<byte> ReasonPhrase => Storage.Slice(_reasonStart, _reasonLength);

    /// <summary>Number of header fields.</summary>
    public int HeaderCount => Storage.Count;

    /// <summary>The name of field <paramref name="index"/>, as received.</summary>
    public ReadOnlySpan<byte> GetName(int index) => Storage.GetName(index);

    /// <summary>The value of field <paramref name="index"/>, OWS trimmed.</summary>
    public ReadOnlySpan<byte> GetValue(int index) => Storage.GetValue(index);

    /// <summary>How the response body is delimited (RFC 9112 §6.3).</summary>
    public BodyFraming Framing { get; internal set; }

    /// <summary>The body length for <see cref="BodyFraming.ContentLength"/>, otherwise -1.</summary>
    public long ContentLength { get; internal set; }

    /// <summary>
    /// The upstream connection may be reused after this response: HTTP/1.1 without "Connection: close" (HTTP/1.0 only with
    /// keep-alive), and the body is self-delimited (never for <see cref="BodyFraming.CloseDelimited"/> or TE+CL).
    /// </summary>
    public bool KeepAlive { get; internal set; }

    /// <summary>A 1xx interim response other than 101: relay it and parse the next head.</summary>
    public bool IsInformational => StatusCode is >= 100 and < 200;

    /// <summary>The response carried Transfer-Encoding (any Content-Length is then dropped when forwarding, RFC 9112 §6.3 item 3).</summary>
    public bool HasTransferEncoding { get; internal set; }

    internal void SetReason(int start, int length)
    {
        _reasonStart = start;
        _reasonLength = length;
    }

    /// <summary>
    /// The head has been relayed: gives its pooled copy back, so a long body or the idle wait after it holds none. What
    /// the rest of the exchange reads stays: <see cref="StatusCode"/>, <see cref="Framing"/>, <see cref="ContentLength"/>,
    /// <see cref="KeepAlive"/>; the fields and <see cref="ReasonPhrase"/> read empty.
    /// </summary>
    public void ReleaseFields()
    {
        Storage.Release();
        _reasonStart = _reasonLength = 0;
    }

    /// <summary>Clears the head for the next response and gives its pooled copy back.</summary>
    public void Reset()
    {
        Storage.Release();
        _reasonStart = _reasonLength = 0;
        StatusCode = 0;
        VersionMinor = 1;
        Framing = BodyFraming.None;
        ContentLength = -1;
        KeepAlive = false;
        HasTransferEncoding = false;
    }

    /// <summary>Returns the pooled copy, if one is held.</summary>
    public void Dispose() => Storage.Dispose();
}
