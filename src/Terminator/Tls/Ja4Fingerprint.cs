using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Terminator.Tls;

/// <summary>
/// FoxIO's JA4 TLS client fingerprint (github.com/FoxIO-LLC/ja4, technical_details/JA4.md) of a ClientHello, written as
/// 36 ASCII bytes: <c>t13d1516h2_8daaf6152771_e5627efa2ab1</c>. Part a is readable (transport, version, SNI or not,
/// cipher and extension counts, first ALPN value); part b is a truncated SHA-256 of the sorted cipher suites; part c of
/// the sorted extensions (without SNI and ALPN, which part a already shows) and the signature algorithms in the order
/// sent. Sorting makes it stable against the extension-order randomisation of Chrome 110+. GREASE values (RFC 8701) are
/// ignored everywhere. Nothing is allocated: lists live on the stack (or in a pooled array for huge hellos).
/// </summary>
internal static class Ja4Fingerprint
{
    /// <summary>The fingerprint's length in bytes: a (10) + '_' + b (12) + '_' + c (12).</summary>
    public const int Length = 36;

    private const int HashHexLength = 12;
    private const int RandomLength = 32;
    private const ushort ExtensionServerName = 0;           // RFC 6066 §3
    private const ushort ExtensionSignatureAlgorithms = 13; // RFC 8446 §4.2.3
    private const ushort ExtensionAlpn = 16;                // RFC 7301 §3.1
    private const ushort ExtensionSupportedVersions = 43;   // RFC 8446 §4.2.1

    /// <summary>Lists up to this many entries sort on the stack; a hello may carry up to 8,191 suites (16 KiB cap).</summary>
    private const int StackListLimit = 128;

    /// <summary>Hash input up to this size is built on the stack ("xxxx," per entry).</summary>
    private const int StackTextLimit = 1024;

    private static ReadOnlySpan<byte> EmptyHash => "000000000000"u8;
    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>
    /// Computes the fingerprint of the ClientHello at the start of <paramref name="records"/> (TLS records as received, the
    /// hello possibly fragmented over several) into <paramref name="destination"/>. False when the bytes do not hold a
    /// whole, well-formed ClientHello.
    /// </summary>
    public static bool TryCompute(ReadOnlySpan<byte> records, Span<byte> destination)
    {
        var progress = default(ClientHelloScanProgress);
        if (ClientHelloRecordScanner.Scan(records, ref progress, out int recordBytes, out int messageLength) != ClientHelloParseStatus.Success)
        {
            return false;
        }

        const int Headers = ClientHelloRecordScanner.RecordHeaderLength + ClientHelloRecordScanner.HandshakeHeaderLength;
        if (recordBytes == Headers + messageLength)
        {
            return TryComputeFromBody(records.Slice(Headers, messageLength), destination);
        }

        // RFC 8446 §5.1: fragmented over several records; reassemble the message (rare: post-quantum key shares, ECH).
        int messageTotal = ClientHelloRecordScanner.HandshakeHeaderLength + messageLength;
        byte[] rented = ArrayPool<byte>.Shared.Rent(messageTotal);
        try
        {
            Span<byte> message = rented.AsSpan(0, messageTotal);
            ClientHelloRecordScanner.CopyHandshake(records[..recordBytes], message);
            return TryComputeFromBody(message[ClientHelloRecordScanner.HandshakeHeaderLength..], destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>As <see cref="TryCompute"/>, from the ClientHello body (the handshake message without its 4-byte header).</summary>
    public static bool TryComputeFromBody(ReadOnlySpan<byte> body, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Length);
        if (!TryReadHello(body, out Hello hello))
        {
            return false;
        }

        int cipherCount = CountNonGrease(hello.CipherSuites);
        int extensionCount = 0;
        int hashedExtensionCount = 0;
        int signatureCount = CountNonGrease(hello.SignatureAlgorithms);
        for (var walker = new ExtensionWalker(hello.Extensions); walker.MoveNext();)
        {
            if (!IsGrease(walker.Type))
            {
                extensionCount++;
                hashedExtensionCount += walker.Type is ExtensionServerName or ExtensionAlpn ? 0 : 1;
            }
        }

        // :: Part a — t, version, d/i, counts (two digits, at most 99), first ALPN value.
        destination[0] = (byte)'t';
        WriteVersion(hello, destination[1..3]);
        destination[3] = hello.HasServerName ? (byte)'d' : (byte)'i';
        WriteTwoDigits(Math.Min(cipherCount, 99), destination[4..6]);
        WriteTwoDigits(Math.Min(extensionCount, 99), destination[6..8]);
        WriteAlpn(hello.FirstAlpn, destination[8..10]);
        destination[10] = (byte)'_';
        destination[23] = (byte)'_';

        // :: Parts b and c — the sorted lists, hashed.
        int listLength = Math.Max(cipherCount, hashedExtensionCount);
        ushort[]? rentedList = null;
        Span<ushort> list = listLength <= StackListLimit
            ? stackalloc ushort[StackListLimit]
            : (rentedList = ArrayPool<ushort>.Shared.Rent(listLength));
        int textLength = 5 * Math.Max(cipherCount, hashedExtensionCount + signatureCount);
        byte[]? rentedText = null;
        Span<byte> text = textLength <= StackTextLimit
            ? stackalloc byte[StackTextLimit]
            : (rentedText = ArrayPool<byte>.Shared.Rent(textLength));
        try
        {
            int count = CollectCipherSuites(hello.CipherSuites, list);
            WriteListHash(list[..count], text, default, destination.Slice(11, HashHexLength));

            count = CollectExtensions(hello.Extensions, list);
            WriteListHash(list[..count], text, hello.SignatureAlgorithms, destination.Slice(24, HashHexLength));
        }
        finally
        {
            if (rentedList is not null)
            {
                ArrayPool<ushort>.Shared.Return(rentedList);
            }

            if (rentedText is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedText);
            }
        }

        return true;
    }

    /// <summary>
    /// Writes the sorted list as "xxxx,xxxx" (then "_" and the non-GREASE signature algorithms in order, when there are
    /// any), hashes it, and keeps the first 12 hex digits; an empty list is "000000000000" (JA4.md: an empty field is
    /// shown as such rather than as the hash of nothing).
    /// </summary>
    private static void WriteListHash(Span<ushort> list, Span<byte> text, ReadOnlySpan<byte> signatureAlgorithms, Span<byte> destination)
    {
        if (list.IsEmpty)
        {
            EmptyHash.CopyTo(destination);
            return;
        }

        list.Sort();
        int position = 0;
        for (int i = 0; i < list.Length; i++)
        {
            if (i > 0)
            {
                text[position++] = (byte)',';
            }

            WriteHex4(list[i], text[position..]);
            position += 4;
        }

        bool first = true;
        for (int i = 0; i + 1 < signatureAlgorithms.Length; i += 2)
        {
            ushort scheme = BinaryPrimitives.ReadUInt16BigEndian(signatureAlgorithms[i..]);
            if (IsGrease(scheme))
            {
                continue;
            }

            text[position++] = first ? (byte)'_' : (byte)',';
            first = false;
            WriteHex4(scheme, text[position..]);
            position += 4;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(text[..position], hash);
        for (int i = 0; i < HashHexLength / 2; i++)
        {
            destination[2 * i] = HexDigits[hash[i] >> 4];
            destination[(2 * i) + 1] = HexDigits[hash[i] & 0xF];
        }
    }

    private static int CollectCipherSuites(ReadOnlySpan<byte> cipherSuites, Span<ushort> list)
    {
        int count = 0;
        for (int i = 0; i + 1 < cipherSuites.Length; i += 2)
        {
            ushort suite = BinaryPrimitives.ReadUInt16BigEndian(cipherSuites[i..]);
            if (!IsGrease(suite))
            {
                list[count++] = suite;
            }
        }

        return count;
    }

    private static int CollectExtensions(ReadOnlySpan<byte> extensions, Span<ushort> list)
    {
        int count = 0;
        for (var walker = new ExtensionWalker(extensions); walker.MoveNext();)
        {
            ushort type = walker.Type;
            if (!IsGrease(type) && type is not ExtensionServerName and not ExtensionAlpn)
            {
                list[count++] = type;
            }
        }

        return count;
    }

    /// <summary>
    /// JA4.md "TLS and DTLS Version": the highest non-GREASE value of supported_versions when the extension is there,
    /// legacy_version otherwise (the record layer's version is never used).
    /// </summary>
    private static void WriteVersion(in Hello hello, Span<byte> destination)
    {
        ushort version = hello.LegacyVersion;
        if (hello.HasSupportedVersions)
        {
            version = 0;
            ReadOnlySpan<byte> list = hello.SupportedVersions;
            for (int i = 0; i + 1 < list.Length; i += 2)
            {
                ushort offered = BinaryPrimitives.ReadUInt16BigEndian(list[i..]);
                if (!IsGrease(offered) && offered > version)
                {
                    version = offered;
                }
            }
        }

        ReadOnlySpan<byte> text = version switch
        {
            0x0304 => "13"u8,
            0x0303 => "12"u8,
            0x0302 => "11"u8,
            0x0301 => "10"u8,
            0x0300 => "s3"u8,
            0x0200 or 0x0002 => "s2"u8, // SSL 2.0: JA4.md writes 0x0002, the reference tools 0x0200
            0x0100 => "s1"u8,
            0xfeff => "d1"u8,
            0xfefd => "d2"u8,
            0xfefc => "d3"u8,
            _ => "00"u8,
        };
        text.CopyTo(destination);
    }

    /// <summary>
    /// JA4.md "ALPN Extension Value": the first and last characters of the first ALPN value ("h2", "h1" for http/1.1, a
    /// one-character value twice); "00" without ALPN or with an empty first value. When either of those bytes is not
    /// ASCII alphanumeric, the first and last digits of the value's hex form instead (0xAB 0xCD → "ad"), so the header
    /// never carries a control byte or a delimiter a client chose.
    /// </summary>
    private static void WriteAlpn(ReadOnlySpan<byte> first, Span<byte> destination)
    {
        if (first.IsEmpty)
        {
            destination[0] = (byte)'0';
            destination[1] = (byte)'0';
            return;
        }

        byte head = first[0];
        byte tail = first[^1];
        if (char.IsAsciiLetterOrDigit((char)head) && char.IsAsciiLetterOrDigit((char)tail))
        {
            destination[0] = head;
            destination[1] = tail;
            return;
        }

        destination[0] = HexDigits[head >> 4];
        destination[1] = HexDigits[tail & 0xF];
    }

    private static void WriteTwoDigits(int value, Span<byte> destination)
    {
        destination[0] = (byte)('0' + (value / 10));
        destination[1] = (byte)('0' + (value % 10));
    }

    private static void WriteHex4(ushort value, Span<byte> destination)
    {
        destination[0] = HexDigits[value >> 12];
        destination[1] = HexDigits[(value >> 8) & 0xF];
        destination[2] = HexDigits[(value >> 4) & 0xF];
        destination[3] = HexDigits[value & 0xF];
    }

    private static int CountNonGrease(ReadOnlySpan<byte> values)
    {
        int count = 0;
        for (int i = 0; i + 1 < values.Length; i += 2)
        {
            count += IsGrease(BinaryPrimitives.ReadUInt16BigEndian(values[i..])) ? 0 : 1;
        }

        return count;
    }

    /// <summary>RFC 8701 §2: GREASE values are 0x0A0A, 0x1A1A … 0xFAFA.</summary>
    private static bool IsGrease(ushort value) => (value & 0x0F0F) == 0x0A0A && (value >> 12) == ((value >> 4) & 0xF);

    /// <summary>Reads the fields JA4 uses; every length is checked against what remains (RFC 8446 §4.1.2).</summary>
    private static bool TryReadHello(ReadOnlySpan<byte> body, out Hello hello)
    {
        hello = default;
        if (body.Length < 2 + RandomLength)
        {
            return false;
        }

        hello.LegacyVersion = BinaryPrimitives.ReadUInt16BigEndian(body);
        ReadOnlySpan<byte> rest = body[(2 + RandomLength)..];
        if (!TryReadVector8(ref rest, out _)
            || !TryReadVector16(ref rest, out ReadOnlySpan<byte> cipherSuites) || (cipherSuites.Length & 1) != 0
            || !TryReadVector8(ref rest, out _))
        {
            return false;
        }

        hello.CipherSuites = cipherSuites;
        if (rest.IsEmpty)
        {
            return true; // a pre-extension client (RFC 5246 §7.4.1.2)
        }

        if (!TryReadVector16(ref rest, out ReadOnlySpan<byte> extensions) || !rest.IsEmpty)
        {
            return false;
        }

        hello.Extensions = extensions;
        var walker = new ExtensionWalker(extensions);
        while (walker.MoveNext())
        {
            ReadOnlySpan<byte> data = walker.Data;
            switch (walker.Type)
            {
                case ExtensionServerName:
                    hello.HasServerName = true;
                    break;
                case ExtensionAlpn:
                    // RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>, each opaque<1..2^8-1>; the first one.
                    if (TryReadVector16(ref data, out ReadOnlySpan<byte> protocols) && TryReadVector8(ref protocols, out ReadOnlySpan<byte> first))
                    {
                        hello.FirstAlpn = first;
                    }

                    break;
                case ExtensionSignatureAlgorithms:
                    // RFC 8446 §4.2.3: SignatureScheme supported_signature_algorithms<2..2^16-2>.
                    if (TryReadVector16(ref data, out ReadOnlySpan<byte> schemes))
                    {
                        hello.SignatureAlgorithms = schemes;
                    }

                    break;
                case ExtensionSupportedVersions:
                    // RFC 8446 §4.2.1: ProtocolVersion versions<2..254>.
                    if (TryReadVector8(ref data, out ReadOnlySpan<byte> versions))
                    {
                        hello.HasSupportedVersions = true;
                        hello.SupportedVersions = versions;
                    }

                    break;
            }
        }

        return walker.IsWellFormed;
    }

    // 'scoped ref': the vector read is a slice of the hello, never of the local that holds the cursor.
    private static bool TryReadVector16(scoped ref ReadOnlySpan<byte> source, out ReadOnlySpan<byte> vector)
    {
        if (source.Length < 2 || BinaryPrimitives.ReadUInt16BigEndian(source) > source.Length - 2)
        {
            vector = default;
            return false;
        }

        vector = source.Slice(2, BinaryPrimitives.ReadUInt16BigEndian(source));
        source = source[(2 + vector.Length)..];
        return true;
    }

    private static bool TryReadVector8(scoped ref ReadOnlySpan<byte> source, out ReadOnlySpan<byte> vector)
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

    /// <summary>The fields of a ClientHello JA4 reads, as slices of the hello.</summary>
    private ref struct Hello
    {
        public ushort LegacyVersion;
        public ReadOnlySpan<byte> CipherSuites;
        public ReadOnlySpan<byte> Extensions;
        public bool HasServerName;
        public ReadOnlySpan<byte> FirstAlpn;
        public ReadOnlySpan<byte> SignatureAlgorithms;
        public bool HasSupportedVersions;
        public ReadOnlySpan<byte> SupportedVersions;
    }

    /// <summary>Steps through an extensions block (RFC 8446 §4.2: type(2), length(2), data).</summary>
    private ref struct ExtensionWalker(ReadOnlySpan<byte> extensions)
    {
        private ReadOnlySpan<byte> _rest = extensions;

        public ushort Type { get; private set; }

        public ReadOnlySpan<byte> Data { get; private set; }

        /// <summary>True once the walk ended exactly at the end of the block.</summary>
        public bool IsWellFormed { get; private set; }

        public bool MoveNext()
        {
            if (_rest.IsEmpty)
            {
                IsWellFormed = true;
                return false;
            }

            if (_rest.Length < 4 || BinaryPrimitives.ReadUInt16BigEndian(_rest[2..]) > _rest.Length - 4)
            {
                return false;
            }

            Type = BinaryPrimitives.ReadUInt16BigEndian(_rest);
            int length = BinaryPrimitives.ReadUInt16BigEndian(_rest[2..]);
            Data = _rest.Slice(4, length);
            _rest = _rest[(4 + length)..];
            return true;
        }
    }
}
