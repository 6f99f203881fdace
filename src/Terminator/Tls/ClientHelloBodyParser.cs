using System.Buffers.Binary;

namespace Terminator.Tls;

/// <summary>
/// Parses a reassembled ClientHello body (the handshake message without its 4-byte header). Every vector length is
/// checked against what remains, so lying lengths give <see cref="ClientHelloParseStatus.Malformed"/>, never an
/// out-of-range read.
/// </summary>
internal static class ClientHelloBodyParser
{
    private const int RandomLength = 32;
    private const int MaxSessionIdLength = 32;
    private const ushort ExtensionServerName = 0;          // RFC 6066 §3
    private const ushort ExtensionSignatureAlgorithms = 13; // RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1
    private const ushort ExtensionAlpn = 16;                // RFC 7301 §3.1
    private const ushort ExtensionPreSharedKey = 41;       // RFC 8446 §4.2.11
    private const ushort ExtensionSupportedVersions = 43;  // RFC 8446 §4.2.1
    private const byte NameTypeHostName = 0;               // RFC 6066 §3

    /// <summary>Whether any offered suite is one <see cref="TlsPolicy"/> allows (see <see cref="ClientHelloInfo.OffersForwardSecretAead"/>).</summary>
    private static bool OffersForwardSecretAead(ReadOnlySpan<byte> cipherSuites, TlsVersionFlags versions)
    {
        for (int i = 0; i + 1 < cipherSuites.Length; i += 2)
        {
            if (TlsPolicy.IsAllowedWireSuite(BinaryPrimitives.ReadUInt16BigEndian(cipherSuites[i..]), versions))
            {
                return true;
            }
        }

        return false;
    }

    internal static ClientHelloParseStatus Parse(ReadOnlySpan<byte> body, Span<byte> serverName, out ClientHelloInfo info)
    {
        info = default;

        // RFC 8446 §4.1.2 / RFC 5246 §7.4.1.2:
        //   ProtocolVersion legacy_version; Random random[32]; opaque legacy_session_id<0..32>;
        //   CipherSuite cipher_suites<2..2^16-2>; opaque legacy_compression_methods<1..2^8-1>; Extension extensions<..2^16-1>;
        if (body.Length < 2 + RandomLength)
        {
            return ClientHelloParseStatus.Malformed;
        }

        var versions = FromWireVersion(BinaryPrimitives.ReadUInt16BigEndian(body));
        var rest = body[(2 + RandomLength)..];
        if (!TryReadVector8(ref rest, out var sessionId) || sessionId.Length > MaxSessionIdLength)
        {
            return ClientHelloParseStatus.Malformed;
        }

        // Cipher suites are 2-byte values, so the vector is even-sized and non-empty.
        if (!TryReadVector16(ref rest, out var cipherSuites) || cipherSuites.Length < 2 || (cipherSuites.Length & 1) != 0)
        {
            return ClientHelloParseStatus.Malformed;
        }

        if (!TryReadVector8(ref rest, out var compressionMethods) || compressionMethods.Length < 1)
        {
            return ClientHelloParseStatus.Malformed;
        }

        var alpn = AlpnFlags.None;
        var signatures = SignatureAlgorithmsOffer.NoExtension;
        int serverNameLength = 0;
        bool invalidServerName = false;

        // RFC 5246 §7.4.1.2: pre-extension clients may end the message here; otherwise the extensions block must fill
        // the rest of the message exactly ("extensions_present").
        if (rest.Length != 0)
        {
            if (!TryReadVector16(ref rest, out var extensions) || rest.Length != 0)
            {
                return ClientHelloParseStatus.Malformed;
            }

            var seen = new ClientHelloExtensionTypeSet(stackalloc ushort[ClientHelloExtensionTypeSet.InlineCapacity]);
            try
            {
                while (extensions.Length != 0)
                {
                    // RFC 8446 §4.2: struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; } Extension;
                    if (extensions.Length < 4)
                    {
                        return ClientHelloParseStatus.Malformed;
                    }

                    ushort type = BinaryPrimitives.ReadUInt16BigEndian(extensions);
                    int dataLength = BinaryPrimitives.ReadUInt16BigEndian(extensions[2..]);
                    if (dataLength > extensions.Length - 4)
                    {
                        return ClientHelloParseStatus.Malformed;
                    }

                    var data = extensions.Slice(4, dataLength);
                    extensions = extensions[(4 + dataLength)..];

                    // RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type in a given extension block."
                    // GREASE types (RFC 8701 §2) are ordinary unknown types here: skipped, but still unique.
                    if (!seen.TryAdd(type))
                    {
                        return ClientHelloParseStatus.Malformed;
                    }

                    var status = type switch
                    {
                        ExtensionServerName => ParseServerName(data, serverName, out serverNameLength, out invalidServerName),
                        ExtensionAlpn => ParseAlpn(data, out alpn),
                        ExtensionSignatureAlgorithms => ClientHelloSignatureAlgorithms.Parse(data, out signatures),

                        // signature_algorithms_cert (50, RFC 8446 §4.2.3) is deliberately left opaque: it constrains the
                        // signatures *inside* the chain (the CA's key), not the CertificateVerify made with the leaf key,
                        // and both of a name's candidates normally chain to the same or equally trusted CAs. OpenSSL, which
                        // does the handshake, still validates it. So only signature_algorithms picks the leaf family.
                        ExtensionSupportedVersions => ParseSupportedVersions(data, out versions),

                        // RFC 8446 §4.2.11: pre_shared_key MUST be the last extension in the ClientHello.
                        ExtensionPreSharedKey when extensions.Length != 0 => ClientHelloParseStatus.Malformed,
                        _ => ClientHelloParseStatus.Success,
                    };
                    if (status != ClientHelloParseStatus.Success)
                    {
                        return status;
                    }
                }
            }
            finally
            {
                seen.Dispose();
            }
        }

        // Structural errors win over a bad name: only a well-formed hello is reported as InvalidServerName.
        if (invalidServerName)
        {
            return ClientHelloParseStatus.InvalidServerName;
        }

        info = new ClientHelloInfo(
            serverNameLength,
            versions,
            alpn,
            OffersForwardSecretAead(cipherSuites, versions),
            ClientHelloSignatureAlgorithms.AcceptsEcdsa(cipherSuites, versions, signatures));
        return ClientHelloParseStatus.Success;
    }

    /// <summary>RFC 6066 §3: ServerNameList server_name_list&lt;1..2^16-1&gt; of { NameType name_type; HostName name; }.</summary>
    private static ClientHelloParseStatus ParseServerName(ReadOnlySpan<byte> data, Span<byte> serverName, out int serverNameLength, out bool invalid)
    {
        serverNameLength = 0;
        invalid = false;
        if (!TryReadVector16(ref data, out var list) || data.Length != 0 || list.Length == 0)
        {
            return ClientHelloParseStatus.Malformed;
        }

        bool hostNameSeen = false;
        while (list.Length != 0)
        {
            byte nameType = list[0];
            list = list[1..];

            // HostName is opaque<1..2^16-1>. Other name types have no defined syntax; like OpenSSL and Go we assume the
            // same 2-byte-length encoding and skip them: only host_name(0) counts.
            if (!TryReadVector16(ref list, out var name) || name.Length == 0)
            {
                return ClientHelloParseStatus.Malformed;
            }

            if (nameType != NameTypeHostName)
            {
                continue;
            }

            // RFC 6066 §3: "The ServerNameList MUST NOT contain more than one name of the same name_type."
            if (hostNameSeen)
            {
                return ClientHelloParseStatus.Malformed;
            }

            hostNameSeen = true;
            invalid = !ClientHelloHostName.TryNormalize(name, serverName, out serverNameLength);
        }

        return ClientHelloParseStatus.Success;
    }

    /// <summary>RFC 7301 §3.1: ProtocolName protocol_name_list&lt;2..2^16-1&gt;, each ProtocolName opaque&lt;1..2^8-1&gt;.</summary>
    private static ClientHelloParseStatus ParseAlpn(ReadOnlySpan<byte> data, out AlpnFlags alpn)
    {
        alpn = AlpnFlags.None;
        if (!TryReadVector16(ref data, out var list) || data.Length != 0 || list.Length < 2)
        {
            return ClientHelloParseStatus.Malformed;
        }

        while (list.Length != 0)
        {
            if (!TryReadVector8(ref list, out var protocol) || protocol.Length == 0)
            {
                return ClientHelloParseStatus.Malformed;
            }

            if (protocol.SequenceEqual("http/1.1"u8))
            {
                alpn |= AlpnFlags.Http11;
            }
            else if (protocol.SequenceEqual("h2"u8))
            {
                alpn |= AlpnFlags.Http2;
            }
            else if (protocol.SequenceEqual("acme-tls/1"u8))
            {
                alpn |= AlpnFlags.AcmeTls1;
            }
            else if (!(protocol.Length == 2 && IsGrease(protocol[0], protocol[1])))
            {
                // RFC 8701 §2 reserves {0x?A, 0x?A} ALPN identifiers as GREASE: ignored, everything else is "Other".
                alpn |= AlpnFlags.Other;
            }
        }

        return ClientHelloParseStatus.Success;
    }

    /// <summary>RFC 8446 §4.2.1: in a ClientHello, ProtocolVersion versions&lt;2..254&gt;.</summary>
    private static ClientHelloParseStatus ParseSupportedVersions(ReadOnlySpan<byte> data, out TlsVersionFlags versions)
    {
        versions = TlsVersionFlags.None;
        if (!TryReadVector8(ref data, out var list) || data.Length != 0 || list.Length < 2 || (list.Length & 1) != 0)
        {
            return ClientHelloParseStatus.Malformed;
        }

        // RFC 8446 §4.2.1: when present, servers MUST ignore legacy_version and use only this list. GREASE (RFC 8701 §2),
        // SSL 3.0 and draft versions map to None.
        for (int i = 0; i < list.Length; i += 2)
        {
            versions |= FromWireVersion(BinaryPrimitives.ReadUInt16BigEndian(list[i..]));
        }

        return ClientHelloParseStatus.Success;
    }

    private static TlsVersionFlags FromWireVersion(ushort version) => version switch
    {
        0x0301 => TlsVersionFlags.Tls10,
        0x0302 => TlsVersionFlags.Tls11,
        0x0303 => TlsVersionFlags.Tls12,
        0x0304 => TlsVersionFlags.Tls13,
        _ => TlsVersionFlags.None,
    };

    /// <summary>RFC 8701 §2: GREASE values are {0x0A,0x0A}, {0x1A,0x1A} … {0xFA,0xFA}.</summary>
    private static bool IsGrease(byte high, byte low) => high == low && (low & 0x0F) == 0x0A;

    /// <summary>Reads an opaque vector with a 1-byte length prefix (RFC 8446 §3.4).</summary>
    private static bool TryReadVector8(ref ReadOnlySpan<byte> source, out ReadOnlySpan<byte> vector)
    {
        if (source.Length < 1 || source[0] > source.Length - 1)
        {
            vector = default;
            return false;
        }

        vector = source.Slice(1, source[0]);
        source = source[(1 + vector.Length)..];
        return true;
    }

    /// <summary>Reads an opaque vector with a 2-byte length prefix (RFC 8446 §3.4).</summary>
    internal static bool TryReadVector16(ref ReadOnlySpan<byte> source, out ReadOnlySpan<byte> vector)
    {
        if (source.Length < 2)
        {
            vector = default;
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(source);
        if (length > source.Length - 2)
        {
            vector = default;
            return false;
        }

        vector = source.Slice(2, length);
        source = source[(2 + length)..];
        return true;
    }
}
