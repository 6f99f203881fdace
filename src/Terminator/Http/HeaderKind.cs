namespace Terminator.Http;

/// <summary>Header names the parsers and writer treat specially; classified once at parse time.</summary>
internal enum HeaderKind : byte
{
    Other,
    Host,
    ContentLength,
    TransferEncoding,
    Connection,
    KeepAlive,
    ProxyConnection,
    TE,
    Trailer,
    Upgrade,
    Expect,
    XForwardedFor,
    XForwardedProto,
    Forwarded,
    XForwardedHost,
    XForwardedPort,
    XRealIp,
    Server,
    XPoweredBy,
    StrictTransportSecurity,
}
