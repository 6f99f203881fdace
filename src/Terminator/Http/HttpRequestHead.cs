namespace Terminator.Http;

/// <summary>
/// A parsed HTTP/1.x request head. One instance per connection, reused for every request: a parse rents a pooled copy of
/// the head, sized to it, so the spans it returns stay valid until the next parse, <see cref="Reset"/> or
/// <see cref="Dispose"/> — independent of the connection's receive buffer — and an idle connection holds no copy.
/// </summary>
internal sealed class HttpRequestHead : IDisposable
{
    private int _methodStart;
    private int _methodLength;
    private int _targetStart;
    private int _targetLength;
    private int _originFormStart;
    private int _originFormLength;
    private int _hostNameOffset;
    private int _hostNameLength;

    /// <summary>Creates an empty head with storage sized by <paramref name="limits"/>.</summary>
    public HttpRequestHead(HttpLimits limits)
    {
        Storage = new HttpHeadStorage(limits);
        Reset();
    }

    internal HttpHeadStorage Storage { get; }

    /// <summary>The limits this head (and the parser filling it) enforces.</summary>
    public HttpLimits Limits => Storage.Limits;

    /// <summary>The request method, case-sensitive (RFC 9110 §9.1).</summary>
    public ReadOnlySpan<byte> Method => Storage.Slice(_methodStart, _methodLength);

    /// <summary>
    /// The request-target as received; an absolute-form target with an empty path reads with the "/" that RFC 3986
    /// §6.2.3 normalisation gives it ("http://a.example?x" → "http://a.example/?x").
    /// </summary>
    public ReadOnlySpan<byte> Target => Storage.Slice(_targetStart, _targetLength);

    /// <summary>
    /// The request-target to forward: origin-form as received; absolute-form as its origin-form (path and query, "/" when
    /// the path is empty, RFC 9112 §3.2.1), its authority having matched Host; "*" for OPTIONS (asterisk-form).
    /// </summary>
    public ReadOnlySpan<byte> OriginFormTarget => Storage.Slice(_originFormStart, _originFormLength);

    /// <summary>0 for HTTP/1.0, 1 for HTTP/1.1.</summary>
    public int VersionMinor { get; internal set; }

    /// <summary>Whether the method is HEAD (the response then has no body, RFC 9112 §6.3).</summary>
    public bool IsHead => Method.SequenceEqual("HEAD"u8);

    /// <summary>RFC 9110 §9.2.2 idempotent methods: GET, HEAD, OPTIONS, TRACE, PUT, DELETE (safe to retry upstream).</summary>
    public bool IsIdempotent
    {
        get
        {
            ReadOnlySpan<byte> method = Method;
            return method.SequenceEqual("GET"u8) || method.SequenceEqual("HEAD"u8) || method.SequenceEqual("OPTIONS"u8)
                || method.SequenceEqual("TRACE"u8) || method.SequenceEqual("PUT"u8) || method.SequenceEqual("DELETE"u8);
        }
    }

    /// <summary>Number of header fields.</summary>
    public int HeaderCount => Storage.Count;

    /// <summary>The name of field <paramref name="index"/>, as received.</summary>
    public ReadOnlySpan<byte> GetName(int index) => Storage.GetName(index);

    /// <summary>The value of field <paramref name="index"/>, OWS trimmed.</summary>
    public ReadOnlySpan<byte> GetValue(int index) => Storage.GetValue(index);

    /// <summary>The Host field value byte for byte, or empty when absent (HTTP/1.0 only).</summary>
    public ReadOnlySpan<byte> Host => HostIndex >= 0 ? Storage.GetValue(HostIndex) : default;

    internal int HostIndex { get; set; }

    /// <summary>
    /// The host of the Host field: port removed, an IPv6 literal without its brackets, case as received; empty when
    /// Host is absent or empty. Validated as uri-host (RFC 3986 §3.2.2), so it may still be a pct-encoded reg-name; use
    /// <see cref="TryGetHostName"/> for the lower-cased name a certificate could cover.
    /// </summary>
    public ReadOnlySpan<byte> HostName => HostIndex >= 0 ? Host.Slice(_hostNameOffset, _hostNameLength) : default;

    /// <summary>
    /// Writes the request's host name lower-cased to <paramref name="destination"/> (at least
    /// <see cref="HostFieldParser.MaxHostNameLength"/> bytes); see <see cref="HostFieldParser.TryGetHostName"/>. False when
    /// Host is absent, empty, or not a name a certificate could cover.
    /// </summary>
    public bool TryGetHostName(Span<byte> destination, out int length) =>
        HostFieldParser.TryGetHostName(Host, destination, out length);

    /// <summary>How the request body is delimited: None, ContentLength or Chunked.</summary>
    public BodyFraming Framing { get; internal set; }

    /// <summary>The body length for <see cref="BodyFraming.ContentLength"/>, otherwise -1.</summary>
    public long ContentLength { get; internal set; }

    /// <summary>HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with "Connection: keep-alive".</summary>
    public bool KeepAlive { get; internal set; }

    /// <summary>"Expect: 100-continue" was sent (RFC 9110 §10.1.1).</summary>
    public bool ExpectContinue { get; internal set; }

    internal void SetMethod(int start, int length)
    {
        _methodStart = start;
        _methodLength = length;
    }

    internal void SetTarget(int start, int length)
    {
        _targetStart = start;
        _targetLength = length;
    }

    internal void SetOriginFormTarget(int start, int length)
    {
        _originFormStart = start;
        _originFormLength = length;
    }

    /// <summary>The host inside the Host value (offset and length relative to it).</summary>
    internal void SetHostName(int offset, int length)
    {
        _hostNameOffset = offset;
        _hostNameLength = length;
    }

    /// <summary>Clears the head for the next request and gives its pooled copy back.</summary>
    public void Reset()
    {
        Storage.Release();
        _methodStart = _methodLength = _targetStart = _targetLength = _originFormStart = _originFormLength = 0;
        _hostNameOffset = _hostNameLength = 0;
        VersionMinor = 1;
        HostIndex = -1;
        Framing = BodyFraming.None;
        ContentLength = -1;
        KeepAlive = false;
        ExpectContinue = false;
    }

    /// <summary>Returns the pooled copy, if one is held.</summary>
    public void Dispose() => Storage.Dispose();
}
