using System.Buffers.Binary;

namespace Terminator.ProxyProtocol;

/// <summary>
/// Strict, allocation-free parsing of the address text in a v1 header (proxy-protocol.txt §2.1) into 128-bit values in
/// network order. Stricter than <see cref="System.Net.IPAddress.TryParse(string, out System.Net.IPAddress?)"/>, which
/// allocates and accepts octal, hex and short IPv4 forms ("010.1", "0x7f.1") and IPv6 zone ids.
/// </summary>
internal static class IPAddressText
{
    /// <summary>Longest IPv6 text: eight groups of four, or six and an embedded dotted quad (45 characters).</summary>
    public const int MaxIPv6Length = 45;

    /// <summary>
    /// Exactly four decimal numbers 0..255 joined by single dots, no leading zeros ("heading zeroes are not permitted
    /// ... to avoid any possible confusion with octal numbers"). The address lands in the low 32 bits.
    /// </summary>
    public static bool TryParseIPv4(ReadOnlySpan<byte> text, out UInt128 address)
    {
        address = 0;
        if (!TryParseDottedQuad(text, out uint value))
        {
            return false;
        }

        address = value;
        return true;
    }

    /// <summary>
    /// RFC 4291 §2.2 text, as inet_pton reads it (and so as HAProxy, which writes it with inet_ntop, expects it read):
    /// groups of 1-4 hex digits (either case) joined by single colons, at most one "::" standing for one or more zero
    /// groups, optionally ending in a dotted quad for the last 32 bits. No zone id, no brackets; exactly 128 bits.
    /// </summary>
    public static bool TryParseIPv6(ReadOnlySpan<byte> text, out UInt128 address)
    {
        address = 0;
        if (text.Length is < 2 or > MaxIPv6Length)
        {
            return false;
        }

        Span<ushort> groups = stackalloc ushort[8];
        int count = 0;
        int gap = -1; // index in groups where "::" stands
        int i = 0;
        if (text[0] == ':')
        {
            if (text[1] != ':')
            {
                return false;
            }

            gap = 0;
            i = 2;
        }

        while (i < text.Length)
        {
            int start = i;
            int value = 0;
            while (i < text.Length && i - start < 5 && HexValue(text[i]) is var digit and >= 0)
            {
                value = (value << 4) | digit;
                i++;
            }

            if (i < text.Length && text[i] == '.')
            {
                // The dotted quad takes the last two groups and must end the text.
                if (count > 6 || !TryParseDottedQuad(text[start..], out uint ipv4))
                {
                    return false;
                }

                groups[count++] = (ushort)(ipv4 >> 16);
                groups[count++] = (ushort)ipv4;
                i = text.Length;
                break;
            }

            int digits = i - start;
            if (digits is 0 or > 4 || count == 8)
            {
                return false;
            }

            groups[count++] = (ushort)value;
            if (i == text.Length)
            {
                break;
            }

            if (text[i] != ':')
            {
                return false;
            }

            i++;
            if (i < text.Length && text[i] == ':')
            {
                if (gap >= 0)
                {
                    return false;
                }

                gap = count;
                i++;
            }
            else if (i == text.Length)
            {
                return false; // a single trailing colon
            }
        }

        if (gap < 0 ? count != 8 : count > 7)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        int tail = count - (gap < 0 ? count : gap); // groups after the gap go to the end
        for (int g = 0; g < count; g++)
        {
            int position = gap >= 0 && g >= gap ? 8 - tail + (g - gap) : g;
            BinaryPrimitives.WriteUInt16BigEndian(bytes[(position * 2)..], groups[g]);
        }

        address = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }

    private static bool TryParseDottedQuad(ReadOnlySpan<byte> text, out uint value)
    {
        value = 0;
        int i = 0;
        for (int octet = 0; octet < 4; octet++)
        {
            if (octet > 0)
            {
                if (i >= text.Length || text[i] != '.')
                {
                    return false;
                }

                i++;
            }

            int start = i;
            int number = 0;
            while (i < text.Length && i - start < 4 && char.IsAsciiDigit((char)text[i]))
            {
                number = (number * 10) + (text[i] - '0');
                i++;
            }

            int digits = i - start;
            if (digits is 0 or > 3 || number > 255 || (digits > 1 && text[start] == '0'))
            {
                return false;
            }

            value = (value << 8) | (uint)number;
        }

        return i == text.Length;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
