namespace Terminator.Listener;

/// <summary>The host names a served certificate is valid for, as the steps after TLS need them.</summary>
internal interface IServerCertificateNames
{
    /// <summary>
    /// True when the certificate covers <paramref name="hostName"/> (ASCII, any case, no port): an exact SAN name or
    /// a single-label wildcard (RFC 6125 §6.4.3). Allocates nothing.
    /// </summary>
    bool Covers(ReadOnlySpan<byte> hostName);
}
