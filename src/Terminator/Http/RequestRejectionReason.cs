namespace Terminator.Http;

/// <summary>Why a request (or upstream response) head was rejected.</summary>
internal enum RequestRejectionReason
{
    /// <summary>No error.</summary>
    None,
    /// <summary>Malformed request-line (also bare LF, bad request-target form).</summary>
    InvalidRequestLine,
    /// <summary>Method is not a token.</summary>
    InvalidMethod,
    /// <summary>Well-formed HTTP version other than 1.0 / 1.1 (505).</summary>
    UnsupportedHttpVersion,
    /// <summary>Request-target longer than the limit (414).</summary>
    RequestTargetTooLong,
    /// <summary>Head larger than the limit (431).</summary>
    HeadersTooLarge,
    /// <summary>More header fields than the limit (431).</summary>
    TooManyHeaders,
    /// <summary>Field name empty, not a token, or followed by whitespace before the colon.</summary>
    InvalidHeaderName,
    /// <summary>Field value contains CTLs (CR, LF, NUL, ...), or a line ended with a bare LF.</summary>
    InvalidHeaderValue,
    /// <summary>obs-fold line continuation (RFC 9112 §5.2).</summary>
    ObsoleteLineFolding,
    /// <summary>HTTP/1.1 request without Host.</summary>
    MissingHost,
    /// <summary>More than one Host field.</summary>
    MultipleHost,
    /// <summary>Request carries both Content-Length and Transfer-Encoding (RFC 9112 §6.3 smuggling vector).</summary>
    ContentLengthAndTransferEncoding,
    /// <summary>Content-Length is not 1*DIGIT (or overflows).</summary>
    InvalidContentLength,
    /// <summary>Several Content-Length values that differ.</summary>
    ConflictingContentLength,
    /// <summary>Transfer-Encoding other than exactly "chunked".</summary>
    UnsupportedTransferEncoding,
    /// <summary>Malformed chunked framing.</summary>
    InvalidChunkedBody,
    /// <summary>Malformed upstream status-line.</summary>
    InvalidResponseStatusLine,
    /// <summary>Upstream response the proxy does not relay (e.g. 101 Switching Protocols).</summary>
    UnsupportedResponse,
    /// <summary>Absolute-form request-target whose authority is not the Host field's (or Host is missing), RFC 9112 §3.2.2.</summary>
    HostMismatch,
}
