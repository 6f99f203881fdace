namespace Terminator.Configuration;

/// <summary>Which PROXY protocol header the listeners require from a trusted balancer (<c>TERMINATOR_PROXY_PROTOCOL</c>).</summary>
internal enum ProxyProtocolMode
{
    /// <summary>No PROXY protocol: every connection is a direct client (the default).</summary>
    Off,

    /// <summary>The text header only ("PROXY TCP4 ...\r\n").</summary>
    V1,

    /// <summary>The binary header only (12-byte signature, addresses, TLVs).</summary>
    V2,

    /// <summary>Either version, told apart by its first bytes.</summary>
    Any,
}
