using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Numerics;

namespace Terminator.ProxyProtocol;

/// <summary>The v2 binary header (proxy-protocol.txt §2.2).</summary>
internal static partial class ProxyHeaderParser
{
    private const int CommandLocal = 0x0;
    private const int CommandProxy = 0x1;
    private const int FamilyUnspecified = 0x0;
    private const int FamilyInet = 0x1;
    private const int FamilyInet6 = 0x2;
    private const int FamilyUnix = 0x3;
    private const int TransportUnspecified = 0x0;
    private const int TransportStream = 0x1;
    private const int TransportDatagram = 0x2;
    private const int TlvHeaderLength = 3;
    private const byte TlvTypeCrc32C = 0x03;

    /// <summary>
    /// Reads the fixed 16 bytes, refuses what cannot be valid (version, command, family, transport, a length above
    /// <see cref="MaxVersion2PayloadLength"/>) before waiting for the rest, then checks the address block and walks the
    /// TLVs within the declared length.
    /// </summary>
    private static ProxyHeaderParseStatus TryParseVersion2(in ReadOnlySequence<byte> buffer, out ProxyHeader header)
    {
        header = default;
        if (buffer.Length < Version2FixedLength)
        {
            return ProxyHeaderParseStatus.NeedMoreData;
        }

        Span<byte> fixedCopy = stackalloc byte[Version2FixedLength];
        ReadOnlySpan<byte> fixedPart = buffer.FirstSpan.Length >= Version2FixedLength ? buffer.FirstSpan[..Version2FixedLength] : Copy(buffer, fixedCopy);
        int versionAndCommand = fixedPart[12];
        int familyAndTransport = fixedPart[13];
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[14..]);

        // "The receiver must only accept this value" (2); other commands "must drop"; other families and transports
        // "must be rejected as invalid by receivers".
        if (versionAndCommand >> 4 != 2)
        {
            return ProxyHeaderParseStatus.UnsupportedVersion;
        }

        int command = versionAndCommand & 0x0F;
        if (command is not (CommandLocal or CommandProxy))
        {
            return ProxyHeaderParseStatus.InvalidCommand;
        }

        int family = familyAndTransport >> 4;
        int transport = familyAndTransport & 0x0F;
        if (family > FamilyUnix || transport > TransportDatagram)
        {
            return ProxyHeaderParseStatus.InvalidFamily;
        }

        if (payloadLength > MaxVersion2PayloadLength)
        {
            return ProxyHeaderParseStatus.TooLong;
        }

        int length = Version2FixedLength + payloadLength;
        if (buffer.Length < length)
        {
            return ProxyHeaderParseStatus.NeedMoreData;
        }

        if (buffer.FirstSpan.Length >= length)
        {
            return ParseVersion2(buffer.FirstSpan[..length], command, family, transport, out header);
        }

        // Only a header split across segments is copied; the step's reads never produce one.
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            return ParseVersion2(Copy(buffer, rented.AsSpan(0, length)), command, family, transport, out header);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static ProxyHeaderParseStatus ParseVersion2(ReadOnlySpan<byte> headerBytes, int command, int family, int transport, out ProxyHeader header)
    {
        header = new ProxyHeader(ProxyProtocolVersions.V2, headerBytes.Length, AddressFamily.Unspecified, command == CommandLocal, 0, 0, 0, 0);

        // LOCAL: "the receiver must accept this connection as valid and must use the real connection endpoints and
        // discard the protocol block including the family". UNSPEC: "the receiver should ignore address information",
        // whose layout is then unknown, so nothing after the fixed part can be read as TLVs either.
        if (command == CommandLocal || family == FamilyUnspecified || transport == TransportUnspecified)
        {
            return ProxyHeaderParseStatus.Success;
        }

        int addressLength = family switch
        {
            FamilyInet => (2 * 4) + (2 * 2),
            FamilyInet6 => (2 * 16) + (2 * 2),
            _ => 2 * 108, // UNIX: two sun_path buffers
        };
        ReadOnlySpan<byte> payload = headerBytes[Version2FixedLength..];
        if (payload.Length < addressLength)
        {
            return ProxyHeaderParseStatus.TruncatedAddresses;
        }

        ProxyHeaderParseStatus tlvs = CheckTlvs(headerBytes, Version2FixedLength + addressLength);
        if (tlvs != ProxyHeaderParseStatus.Success)
        {
            return tlvs;
        }

        // Only TCP over IPv4/IPv6 names a client this listener can use; UDP and UNIX are valid combinations we do not
        // implement, and "a receiver ... automatically falls back to the UNSPEC mode" for those.
        if (transport != TransportStream || family == FamilyUnix)
        {
            return ProxyHeaderParseStatus.Success;
        }

        if (family == FamilyInet)
        {
            header = header with
            {
                Family = AddressFamily.InterNetwork,
                SourceAddress = BinaryPrimitives.ReadUInt32BigEndian(payload),
                DestinationAddress = BinaryPrimitives.ReadUInt32BigEndian(payload[4..]),
                SourcePort = BinaryPrimitives.ReadUInt16BigEndian(payload[8..]),
                DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(payload[10..]),
            };
        }
        else
        {
            header = header with
            {
                Family = AddressFamily.InterNetworkV6,
                SourceAddress = BinaryPrimitives.ReadUInt128BigEndian(payload),
                DestinationAddress = BinaryPrimitives.ReadUInt128BigEndian(payload[16..]),
                SourcePort = BinaryPrimitives.ReadUInt16BigEndian(payload[32..]),
                DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(payload[34..]),
            };
        }

        return ProxyHeaderParseStatus.Success;
    }

    /// <summary>
    /// Walks the TLVs between the address block and the declared end: each type-length-value must fit inside the header
    /// (a length is never trusted beyond it), their contents are skipped, and a CRC32C TLV, when present, must match.
    /// At most (1024 / 3) iterations.
    /// </summary>
    private static ProxyHeaderParseStatus CheckTlvs(ReadOnlySpan<byte> headerBytes, int offset)
    {
        int checksumAt = -1;
        while (offset < headerBytes.Length)
        {
            if (headerBytes.Length - offset < TlvHeaderLength)
            {
                return ProxyHeaderParseStatus.InvalidTlv;
            }

            byte type = headerBytes[offset];
            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(headerBytes[(offset + 1)..]);
            int valueAt = offset + TlvHeaderLength;
            if (valueLength > headerBytes.Length - valueAt)
            {
                return ProxyHeaderParseStatus.InvalidTlv;
            }

            if (type == TlvTypeCrc32C)
            {
                if (valueLength != 4 || checksumAt >= 0)
                {
                    return ProxyHeaderParseStatus.InvalidTlv;
                }

                checksumAt = valueAt;
            }

            offset = valueAt + valueLength;
        }

        if (checksumAt >= 0 && Crc32C(headerBytes, checksumAt) != BinaryPrimitives.ReadUInt32BigEndian(headerBytes[checksumAt..]))
        {
            return ProxyHeaderParseStatus.ChecksumMismatch;
        }

        return ProxyHeaderParseStatus.Success;
    }

    /// <summary>
    /// CRC32c (RFC 4960 Appendix B: reflected Castagnoli polynomial, initial value and final XOR all ones) of the whole
    /// header with the four checksum bytes at <paramref name="checksumAt"/> read as zero (§2.2.3).
    /// </summary>
    private static uint Crc32C(ReadOnlySpan<byte> headerBytes, int checksumAt)
    {
        uint crc = Crc32CUpdate(uint.MaxValue, headerBytes[..checksumAt]);
        crc = BitOperations.Crc32C(crc, 0u);
        crc = Crc32CUpdate(crc, headerBytes[(checksumAt + 4)..]);
        return ~crc;
    }

    private static uint Crc32CUpdate(uint crc, ReadOnlySpan<byte> data)
    {
        // The CRC instruction consumes a 64-bit operand least significant byte first: memory order when read little-endian.
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
