namespace Terminator.ProxyProtocol;

/// <summary>What <see cref="ProxyHeaderParser"/> made of the first bytes of a connection. Everything but
/// <see cref="Success"/>, <see cref="NeedMoreData"/> and <see cref="NotProxyHeader"/> is a reason to refuse it.</summary>
internal enum ProxyHeaderParseStatus
{
    /// <summary>A complete, valid header; its length says where the proxied stream starts.</summary>
    Success,

    /// <summary>Everything so far is a valid beginning; read more.</summary>
    NeedMoreData,

    /// <summary>The bytes start with neither signature ("PROXY " nor the v2 12-byte block).</summary>
    NotProxyHeader,

    /// <summary>A signature of a version the listener does not accept.</summary>
    VersionNotAccepted,

    /// <summary>v1: no CRLF within 107 bytes; v2: a declared length above <see cref="ProxyHeaderParser.MaxVersion2PayloadLength"/>.</summary>
    TooLong,

    /// <summary>v1: not exactly "PROXY" SP protocol SP src SP dst SP sport SP dport CRLF (double spaces, a bare CR or
    /// LF, fields missing or extra).</summary>
    Malformed,

    /// <summary>v1: an address that is not canonical text of the announced family.</summary>
    InvalidAddress,

    /// <summary>v1: a port that is not a decimal 0..65535 without leading zeros.</summary>
    InvalidPort,

    /// <summary>v1: a protocol other than TCP4, TCP6 or UNKNOWN; v2: an address family above 3 or a transport above 2.</summary>
    InvalidFamily,

    /// <summary>v2: a version nibble other than 2.</summary>
    UnsupportedVersion,

    /// <summary>v2: a command other than LOCAL (0) or PROXY (1).</summary>
    InvalidCommand,

    /// <summary>v2: a declared length shorter than the address block of the announced family.</summary>
    TruncatedAddresses,

    /// <summary>v2: a TLV whose length runs past the end of the header, or a CRC32C TLV that is not 4 bytes.</summary>
    InvalidTlv,

    /// <summary>v2: a CRC32C TLV that does not match the header (§2.2.3: the connection must be treated as invalid).</summary>
    ChecksumMismatch,
}
