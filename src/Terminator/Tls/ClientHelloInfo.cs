namespace Terminator.Tls;

/// <summary>What <see cref="ClientHelloParser"/> learned from a ClientHello. Only meaningful after <see cref="ClientHelloParseStatus.Success"/>.</summary>
public readonly struct ClientHelloInfo
{
    internal ClientHelloInfo(int serverNameLength, TlsVersionFlags offeredVersions, AlpnFlags alpn, int recordBytes)
    {
        ServerNameLength = serverNameLength;
        OfferedVersions = offeredVersions;
        Alpn = alpn;
        RecordBytes = recordBytes;
    }

    /// <summary>Length of the normalised host name written to the caller's buffer; 0 when the client sent no host_name.</summary>
    public int ServerNameLength { get; }

    /// <summary>
    /// Versions from supported_versions (RFC 8446 §4.2.1) when present; otherwise the single version named by
    /// legacy_version, which is the client's maximum (RFC 5246 §7.4.1.2) — lower versions are not implied.
    /// </summary>
    public TlsVersionFlags OfferedVersions { get; }

    /// <summary>Protocols offered via ALPN (RFC 7301 §3.1).</summary>
    public AlpnFlags Alpn { get; }

    /// <summary>Total bytes, including every 5-byte record header, of the TLS records that carry the whole ClientHello.</summary>
    public int RecordBytes { get; }
}
