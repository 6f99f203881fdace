namespace Terminator.Tls;

/// <summary>Outcome of <see cref="ClientHelloParser.TryParse(ReadOnlySpan{byte}, Span{byte}, out ClientHelloInfo)"/>.</summary>
internal enum ClientHelloParseStatus
{
    /// <summary>A complete, well-formed ClientHello was found; <see cref="ClientHelloInfo"/> is populated.</summary>
    Success,

    /// <summary>The bytes seen so far are a consistent prefix of a ClientHello; read more and call again.</summary>
    NeedMoreData,

    /// <summary>
    /// The stream does not start with a TLS handshake record (first byte not 0x16 or record version major not 3),
    /// e.g. plain-text HTTP ("GET /") or an SSLv2-style hello.
    /// </summary>
    NotTls,

    /// <summary>A TLS handshake record, but the first handshake message is not a ClientHello.</summary>
    NotClientHello,

    /// <summary>The handshake message declares a body longer than <see cref="ClientHelloParser.MaxClientHelloSize"/>.</summary>
    TooLarge,

    /// <summary>
    /// Length fields that disagree, truncated vectors, zero-length records, other record types interleaved,
    /// duplicate extensions, trailing bytes, etc.
    /// </summary>
    Malformed,

    /// <summary>The server_name extension carries a host_name that is not a valid DNS host name (RFC 6066 §3).</summary>
    InvalidServerName,
}
