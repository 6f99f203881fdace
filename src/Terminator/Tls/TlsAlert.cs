namespace Terminator.Tls;

/// <summary>
/// Fatal TLS alert records sent before the handshake starts, when the ClientHello alone tells us to refuse
/// (RFC 8446 §6: alert record = ContentType 21, legacy version, length 2, level 2 = fatal, description).
/// </summary>
internal static class TlsAlert
{
    /// <summary>unrecognized_name (112, RFC 6066 §3): no certificate for the requested name.</summary>
    public static ReadOnlyMemory<byte> UnrecognizedName { get; } = new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 112 };

    /// <summary>decode_error (50): the ClientHello could not be parsed.</summary>
    public static ReadOnlyMemory<byte> DecodeError { get; } = new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 50 };

    /// <summary>illegal_parameter (47): a field was syntactically valid but its value is not (e.g. a bad host name).</summary>
    public static ReadOnlyMemory<byte> IllegalParameter { get; } = new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 47 };

    /// <summary>handshake_failure (40): no acceptable cipher suite on offer.</summary>
    public static ReadOnlyMemory<byte> HandshakeFailure { get; } = new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40 };

    /// <summary>internal_error (80): the certificate for the name could not be loaded (its file is gone or was
    /// tampered with); the client learns the handshake failed on our side instead of seeing a bare TCP close.</summary>
    public static ReadOnlyMemory<byte> InternalError { get; } = new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 80 };

    /// <summary>protocol_version (70): the client offers nothing newer than TLS 1.1.</summary>
    public static ReadOnlyMemory<byte> ProtocolVersion { get; } = new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 70 };
}
