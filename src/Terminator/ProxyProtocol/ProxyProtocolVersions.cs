namespace Terminator.ProxyProtocol;

/// <summary>PROXY protocol versions: the one a header was sent in, or the set a listener accepts.</summary>
[Flags]
internal enum ProxyProtocolVersions
{
    None = 0,

    /// <summary>The human-readable header, "PROXY TCP4 ...\r\n" (proxy-protocol.txt §2.1).</summary>
    V1 = 1,

    /// <summary>The binary header: 12-byte signature, version/command, family, length, addresses, TLVs (§2.2).</summary>
    V2 = 2,

    Any = V1 | V2,
}
