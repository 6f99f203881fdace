using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Terminator.ProxyProtocol;

namespace Terminator.Tests.ProxyProtocol;

/// <summary>
/// PROXY protocol headers built byte by byte from the spec (proxy-protocol.txt), independently of the parser: v1 lines
/// as text, v2 headers from their fields, TLVs, and a bitwise CRC32c (RFC 4960 Appendix B) for the checksum TLV.
/// </summary>
internal static class ProxyHeaderSamples
{
    public static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public const byte Local = 0x20;
    public const byte Proxy = 0x21;
    public const byte Unspec = 0x00;
    public const byte Tcp4 = 0x11;
    public const byte Udp4 = 0x12;
    public const byte Tcp6 = 0x21;
    public const byte Udp6 = 0x22;
    public const byte UnixStream = 0x31;

    public static byte[] V1(string line) => Encoding.ASCII.GetBytes(line);

    /// <summary>A v2 header: signature, version/command, family/transport, the length of what follows, then it.</summary>
    public static byte[] V2(byte versionCommand, byte familyTransport, byte[] addresses, params byte[][] tlvs)
    {
        byte[] payload = [.. addresses, .. tlvs.SelectMany(t => t)];
        return V2Raw(versionCommand, familyTransport, (ushort)payload.Length, payload);
    }

    /// <summary>A v2 header whose length field says <paramref name="declaredLength"/> whatever follows.</summary>
    public static byte[] V2Raw(byte versionCommand, byte familyTransport, ushort declaredLength, byte[] payload)
    {
        var header = new byte[16 + payload.Length];
        Signature.CopyTo(header, 0);
        header[12] = versionCommand;
        header[13] = familyTransport;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), declaredLength);
        payload.CopyTo(header, 16);
        return header;
    }

    public static byte[] Inet(string source, ushort sourcePort, string destination, ushort destinationPort)
    {
        byte[] s = IPAddress.Parse(source).GetAddressBytes(), d = IPAddress.Parse(destination).GetAddressBytes();
        var block = new byte[(2 * s.Length) + 4];
        s.CopyTo(block, 0);
        d.CopyTo(block, s.Length);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(2 * s.Length), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan((2 * s.Length) + 2), destinationPort);
        return block;
    }

    public static byte[] Unix(string source, string destination)
    {
        var block = new byte[216];
        Encoding.ASCII.GetBytes(source).CopyTo(block, 0);
        Encoding.ASCII.GetBytes(destination).CopyTo(block, 108);
        return block;
    }

    public static byte[] Tlv(byte type, byte[] value)
    {
        var tlv = new byte[3 + value.Length];
        tlv[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(tlv.AsSpan(1), (ushort)value.Length);
        value.CopyTo(tlv, 3);
        return tlv;
    }

    public static byte[] Tlv(byte type, string value) => Tlv(type, Encoding.ASCII.GetBytes(value));

    /// <summary>PP2_TYPE_SSL with a version and a cipher sub-TLV, as HAProxy's send-proxy-v2-ssl writes it.</summary>
    public static byte[] SslTlv() =>
        Tlv(0x20, [0x01, 0, 0, 0, 0, .. Tlv(0x21, "TLSv1.3"), .. Tlv(0x23, "TLS_AES_256_GCM_SHA384")]);

    /// <summary>A v2 header ending in a CRC32C TLV filled in per §2.2.3 (or with <paramref name="corrupt"/> flipped bits).</summary>
    public static byte[] WithCrc32C(byte versionCommand, byte familyTransport, byte[] addresses, uint corrupt = 0, params byte[][] tlvs)
    {
        byte[] header = V2(versionCommand, familyTransport, addresses, [.. tlvs, Tlv(0x03, new byte[4])]);
        uint crc = Crc32C(header) ^ corrupt;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(header.Length - 4), crc);
        return header;
    }

    /// <summary>Bitwise CRC32c, reflected polynomial 0x82F63B78.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
            }
        }

        return ~crc;
    }

    /// <summary>The parser's 128-bit form of an address (IPv4 in the low 32 bits).</summary>
    public static UInt128 Value(string address)
    {
        byte[] bytes = IPAddress.Parse(address).GetAddressBytes();
        return bytes.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public static ProxyHeader Expected(ProxyProtocolVersions version, byte[] header, string source, ushort sourcePort, string destination, ushort destinationPort) =>
        new(version, header.Length, IPAddress.Parse(source).AddressFamily, false, Value(source), Value(destination), sourcePort, destinationPort);

    public static ProxyHeader ExpectedWithoutAddress(ProxyProtocolVersions version, byte[] header, bool local = false) =>
        new(version, header.Length, AddressFamily.Unspecified, local, 0, 0, 0, 0);

    /// <summary>Valid headers, each with the result the parser must give.</summary>
    public static IEnumerable<(string Name, byte[] Bytes, ProxyHeader Expected)> Valid()
    {
        (string, byte[], ProxyHeader) V1Case(string name, string line, string source, ushort sourcePort, string destination, ushort destinationPort)
        {
            byte[] bytes = V1(line);
            return (name, bytes, Expected(ProxyProtocolVersions.V1, bytes, source, sourcePort, destination, destinationPort));
        }

        (string, byte[], ProxyHeader) V2Case(string name, byte[] bytes, string source, ushort sourcePort, string destination, ushort destinationPort) =>
            (name, bytes, Expected(ProxyProtocolVersions.V2, bytes, source, sourcePort, destination, destinationPort));

        yield return V1Case("v1 tcp4", "PROXY TCP4 203.0.113.7 192.0.2.10 51234 443\r\n", "203.0.113.7", 51234, "192.0.2.10", 443);
        yield return V1Case("v1 tcp4 longest", "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n", "255.255.255.255", 65535, "255.255.255.255", 65535);
        yield return V1Case("v1 tcp4 zeros", "PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n", "0.0.0.0", 0, "0.0.0.0", 0);
        yield return V1Case("v1 tcp6 compressed", "PROXY TCP6 2001:db8::7 2001:db8::a 51234 443\r\n", "2001:db8::7", 51234, "2001:db8::a", 443);
        yield return V1Case("v1 tcp6 full upper", "PROXY TCP6 2001:0DB8:0000:0000:0000:0000:0000:0007 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 1 65535\r\n",
            "2001:db8::7", 1, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535);
        yield return V1Case("v1 tcp6 mapped", "PROXY TCP6 ::ffff:203.0.113.7 ::1 8080 80\r\n", "::ffff:203.0.113.7", 8080, "::1", 80);
        yield return V1Case("v1 tcp6 unspecified", "PROXY TCP6 :: 1:: 2 3\r\n", "::", 2, "1::", 3);

        byte[] unknown = V1("PROXY UNKNOWN\r\n");
        yield return ("v1 unknown short", unknown, ExpectedWithoutAddress(ProxyProtocolVersions.V1, unknown));
        byte[] unknownLong = V1("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n");
        yield return ("v1 unknown worst case (107 bytes)", unknownLong, ExpectedWithoutAddress(ProxyProtocolVersions.V1, unknownLong));
        byte[] unknownJunk = V1("PROXY UNKNOWN whatever \x01 the sender put\r\n");
        yield return ("v1 unknown ignores the rest", unknownJunk, ExpectedWithoutAddress(ProxyProtocolVersions.V1, unknownJunk));

        yield return V2Case("v2 tcp4", V2(Proxy, Tcp4, Inet("203.0.113.7", 51234, "192.0.2.10", 443)), "203.0.113.7", 51234, "192.0.2.10", 443);
        yield return V2Case("v2 tcp6", V2(Proxy, Tcp6, Inet("2001:db8::7", 51234, "2001:db8::a", 443)), "2001:db8::7", 51234, "2001:db8::a", 443);
        yield return V2Case("v2 tcp4 with tlvs", V2(Proxy, Tcp4, Inet("198.51.100.1", 1, "192.0.2.10", 443),
                Tlv(0x01, "http/1.1"), Tlv(0x02, "click.shop.example"), Tlv(0x04, []), Tlv(0x05, new byte[128]), SslTlv(), Tlv(0xEA, [0x01, .. "vpce-0123456789abcdef0"u8])),
            "198.51.100.1", 1, "192.0.2.10", 443);
        yield return V2Case("v2 tcp6 with crc32c", WithCrc32C(Proxy, Tcp6, Inet("2001:db8::7", 40000, "2001:db8::a", 443), 0, Tlv(0x02, "click.shop.example")),
            "2001:db8::7", 40000, "2001:db8::a", 443);
        int padding = 1024 - 12 - 3;
        yield return V2Case("v2 tcp4 longest accepted", V2(Proxy, Tcp4, Inet("203.0.113.7", 2, "192.0.2.10", 443), Tlv(0x04, new byte[padding])),
            "203.0.113.7", 2, "192.0.2.10", 443);

        byte[] local = V2(Local, Unspec, []);
        yield return ("v2 local", local, ExpectedWithoutAddress(ProxyProtocolVersions.V2, local, local: true));
        byte[] localWithAddresses = V2(Local, Tcp4, Inet("10.0.0.1", 1, "10.0.0.2", 2), Tlv(0x04, [1, 2]));
        yield return ("v2 local ignores its block", localWithAddresses, ExpectedWithoutAddress(ProxyProtocolVersions.V2, localWithAddresses, local: true));
        byte[] localShortBlock = V2(Local, Tcp6, [1, 2, 3]);
        yield return ("v2 local with a short block", localShortBlock, ExpectedWithoutAddress(ProxyProtocolVersions.V2, localShortBlock, local: true));
        byte[] unspec = V2(Proxy, Unspec, [9, 9, 9, 9]);
        yield return ("v2 proxy unspec", unspec, ExpectedWithoutAddress(ProxyProtocolVersions.V2, unspec));
        byte[] unix = V2(Proxy, UnixStream, Unix("/run/client.sock", "/run/terminator.sock"), Tlv(0x01, "h2"));
        yield return ("v2 proxy unix", unix, ExpectedWithoutAddress(ProxyProtocolVersions.V2, unix));
        byte[] udp = V2(Proxy, Udp4, Inet("203.0.113.7", 53, "192.0.2.10", 53));
        yield return ("v2 proxy udp4 falls back", udp, ExpectedWithoutAddress(ProxyProtocolVersions.V2, udp));
        byte[] udp6 = V2(Proxy, Udp6, Inet("2001:db8::7", 53, "2001:db8::a", 53));
        yield return ("v2 proxy udp6 falls back", udp6, ExpectedWithoutAddress(ProxyProtocolVersions.V2, udp6));
    }

    /// <summary>Complete inputs every listener must refuse, with the reason the parser must give.</summary>
    public static IEnumerable<(string Name, byte[] Bytes, ProxyHeaderParseStatus Expected)> Invalid()
    {
        byte[] tcp4 = Inet("203.0.113.7", 51234, "192.0.2.10", 443);

        // v1 framing
        yield return ("v1 bare LF", V1("PROXY TCP4 203.0.113.7 192.0.2.10 51234 443\n"), ProxyHeaderParseStatus.Malformed);
        yield return ("v1 bare CR then data", V1("PROXY TCP4 203.0.113.7 192.0.2.10 51234 443\rGET / HTTP/1.1\r\n"), ProxyHeaderParseStatus.Malformed);
        yield return ("v1 bare CR in the last field", V1("PROXY TCP4 203.0.113.7 192.0.2.10 51234 443\r\r\n"), ProxyHeaderParseStatus.InvalidPort);
        yield return ("v1 no CRLF in 107 bytes", V1("PROXY UNKNOWN " + new string('f', 93) + "\r\n"), ProxyHeaderParseStatus.TooLong);
        yield return ("v1 108-byte line", V1("PROXY UNKNOWN " + new string('f', 92) + "\r\n"), ProxyHeaderParseStatus.TooLong);
        yield return ("v1 double space", V1("PROXY TCP4  203.0.113.7 192.0.2.10 51234 443\r\n"), ProxyHeaderParseStatus.Malformed);
        yield return ("v1 missing port", V1("PROXY TCP4 203.0.113.7 192.0.2.10 51234\r\n"), ProxyHeaderParseStatus.Malformed);
        yield return ("v1 garbage after", V1("PROXY TCP4 203.0.113.7 192.0.2.10 51234 443 extra\r\n"), ProxyHeaderParseStatus.Malformed);
        yield return ("v1 trailing space", V1("PROXY TCP4 203.0.113.7 192.0.2.10 51234 443 \r\n"), ProxyHeaderParseStatus.Malformed);
        yield return ("v1 empty protocol", V1("PROXY \r\n"), ProxyHeaderParseStatus.Malformed);
        yield return ("v1 lower-case protocol", V1("PROXY tcp4 203.0.113.7 192.0.2.10 51234 443\r\n"), ProxyHeaderParseStatus.InvalidFamily);
        yield return ("v1 udp", V1("PROXY UDP4 203.0.113.7 192.0.2.10 53 53\r\n"), ProxyHeaderParseStatus.InvalidFamily);
        yield return ("v1 UNKNOWNX", V1("PROXY UNKNOWNX\r\n"), ProxyHeaderParseStatus.InvalidFamily);

        // v1 addresses
        yield return ("v1 tcp4 with ipv6", V1("PROXY TCP4 2001:db8::7 192.0.2.10 51234 443\r\n"), ProxyHeaderParseStatus.InvalidAddress);
        yield return ("v1 tcp6 with ipv4", V1("PROXY TCP6 203.0.113.7 2001:db8::a 51234 443\r\n"), ProxyHeaderParseStatus.InvalidAddress);
        yield return ("v1 octet 256", V1("PROXY TCP4 203.0.113.256 192.0.2.10 51234 443\r\n"), ProxyHeaderParseStatus.InvalidAddress);
        yield return ("v1 leading zero", V1("PROXY TCP4 203.0.113.07 192.0.2.10 51234 443\r\n"), ProxyHeaderParseStatus.InvalidAddress);
        yield return ("v1 three octets", V1("PROXY TCP4 203.0.113 192.0.2.10 51234 443\r\n"), ProxyHeaderParseStatus.InvalidAddress);
        yield return ("v1 hex octet", V1("PROXY TCP4 0x7f.0.0.1 192.0.2.10 51234 443\r\n"), ProxyHeaderParseStatus.InvalidAddress);
        yield return ("v1 destination bad", V1("PROXY TCP4 203.0.113.7 192.0.2. 51234 443\r\n"), ProxyHeaderParseStatus.InvalidAddress);
        yield return ("v1 ipv6 zone", V1("PROXY TCP6 fe80::1%eth0 2001:db8::a 51234 443\r\n"), ProxyHeaderParseStatus.InvalidAddress);
        yield return ("v1 ipv6 two gaps", V1("PROXY TCP6 2001::db8::7 2001:db8::a 51234 443\r\n"), ProxyHeaderParseStatus.InvalidAddress);
        yield return ("v1 ipv6 five digits", V1("PROXY TCP6 2001:0db80::7 2001:db8::a 51234 443\r\n"), ProxyHeaderParseStatus.InvalidAddress);
        yield return ("v1 ipv6 nine groups", V1("PROXY TCP6 1:2:3:4:5:6:7:8:9 2001:db8::a 51234 443\r\n"), ProxyHeaderParseStatus.InvalidAddress);
        yield return ("v1 ipv6 seven groups", V1("PROXY TCP6 1:2:3:4:5:6:7 2001:db8::a 51234 443\r\n"), ProxyHeaderParseStatus.InvalidAddress);
        yield return ("v1 ipv6 brackets", V1("PROXY TCP6 [2001:db8::7] 2001:db8::a 51234 443\r\n"), ProxyHeaderParseStatus.InvalidAddress);

        // v1 ports
        yield return ("v1 port 65536", V1("PROXY TCP4 203.0.113.7 192.0.2.10 65536 443\r\n"), ProxyHeaderParseStatus.InvalidPort);
        yield return ("v1 port 99999", V1("PROXY TCP4 203.0.113.7 192.0.2.10 51234 99999\r\n"), ProxyHeaderParseStatus.InvalidPort);
        yield return ("v1 port leading zero", V1("PROXY TCP4 203.0.113.7 192.0.2.10 051234 443\r\n"), ProxyHeaderParseStatus.InvalidPort);
        yield return ("v1 port sign", V1("PROXY TCP4 203.0.113.7 192.0.2.10 +1 443\r\n"), ProxyHeaderParseStatus.InvalidPort);
        yield return ("v1 port negative", V1("PROXY TCP4 203.0.113.7 192.0.2.10 -1 443\r\n"), ProxyHeaderParseStatus.InvalidPort);

        // v2 fixed part
        yield return ("v2 version 1", V2(0x11, Tcp4, tcp4), ProxyHeaderParseStatus.UnsupportedVersion);
        yield return ("v2 version 3", V2(0x31, Tcp4, tcp4), ProxyHeaderParseStatus.UnsupportedVersion);
        yield return ("v2 command 2", V2(0x22, Tcp4, tcp4), ProxyHeaderParseStatus.InvalidCommand);
        yield return ("v2 command 15", V2(0x2F, Tcp4, tcp4), ProxyHeaderParseStatus.InvalidCommand);
        yield return ("v2 family 4", V2(Proxy, 0x41, tcp4), ProxyHeaderParseStatus.InvalidFamily);
        yield return ("v2 transport 3", V2(Proxy, 0x13, tcp4), ProxyHeaderParseStatus.InvalidFamily);
        yield return ("v2 length over 1 KiB", V2Raw(Proxy, Tcp4, 1025, []), ProxyHeaderParseStatus.TooLong);
        yield return ("v2 length 65535", V2Raw(Proxy, Tcp4, 65535, tcp4), ProxyHeaderParseStatus.TooLong);

        // v2 address block and TLVs
        yield return ("v2 tcp4 block short", V2(Proxy, Tcp4, tcp4[..11]), ProxyHeaderParseStatus.TruncatedAddresses);
        yield return ("v2 tcp6 with a tcp4 block", V2(Proxy, Tcp6, tcp4), ProxyHeaderParseStatus.TruncatedAddresses);
        yield return ("v2 unix block short", V2(Proxy, UnixStream, new byte[215]), ProxyHeaderParseStatus.TruncatedAddresses);
        yield return ("v2 tlv runs past the end", V2(Proxy, Tcp4, tcp4, [0x01, 0x00, 0x09, .. "http/1.1"u8]), ProxyHeaderParseStatus.InvalidTlv);
        yield return ("v2 tlv length 65535", V2(Proxy, Tcp4, tcp4, [0x02, 0xFF, 0xFF, 1, 2, 3]), ProxyHeaderParseStatus.InvalidTlv);
        yield return ("v2 tlv header cut", V2(Proxy, Tcp4, tcp4, Tlv(0x01, "h2"), [0x02, 0x00]), ProxyHeaderParseStatus.InvalidTlv);
        yield return ("v2 tlv one stray byte", V2(Proxy, Tcp4, tcp4, [0x04]), ProxyHeaderParseStatus.InvalidTlv);
        yield return ("v2 crc32c 3 bytes", V2(Proxy, Tcp4, tcp4, Tlv(0x03, [1, 2, 3])), ProxyHeaderParseStatus.InvalidTlv);
        yield return ("v2 crc32c twice", V2(Proxy, Tcp4, tcp4, Tlv(0x03, new byte[4]), Tlv(0x03, new byte[4])), ProxyHeaderParseStatus.InvalidTlv);
        yield return ("v2 crc32c wrong", WithCrc32C(Proxy, Tcp4, tcp4, corrupt: 1), ProxyHeaderParseStatus.ChecksumMismatch);
        yield return ("v2 crc32c wrong with tlvs", WithCrc32C(Proxy, Tcp6, Inet("2001:db8::7", 1, "2001:db8::a", 2), 0x80000000, Tlv(0x02, "a.example")),
            ProxyHeaderParseStatus.ChecksumMismatch);
    }
}
