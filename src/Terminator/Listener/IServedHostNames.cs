namespace Terminator.Listener;

/// <summary>
/// The host names the TLS listeners can serve right now, for the plain-HTTP side, which has no certificate of its own to
/// hold a Host against (the port-80 redirect to https:// is only sent where the https:// URL will work).
/// </summary>
internal interface IServedHostNames
{
    /// <summary>
    /// True when a handshake for <paramref name="hostName"/> (lower-case ASCII, no port, no trailing dot) would get a
    /// certificate that covers it and is valid now. Allocates nothing and logs nothing.
    /// </summary>
    bool HasValidCertificateFor(ReadOnlySpan<byte> hostName);
}
