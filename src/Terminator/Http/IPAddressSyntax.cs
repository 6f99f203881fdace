namespace Terminator.Http;

/// <summary>The IP address forms RFC 3986 §3.2.2 allows in a URI host, checked without parsing into an <c>IPAddress</c>.</summary>
internal static class IPAddressSyntax
{
    /// <summary>
    /// RFC 3986 §3.2.2 IPv6address (RFC 4291 §2.2 text forms): eight 1-4 digit hex groups, one "::" standing for at
    /// least one zero group, the last two groups optionally an IPv4address.
    /// </summary>
    public static bool IsIPv6Address(ReadOnlySpan<byte> text)
    {
        int groups = 0;
        bool compressed = false;
        int i = 0;
        if (text.StartsWith("::"u8))
        {
            compressed = true;
            i = 2;
        }

        while (i < text.Length)
        {
            int start = i;
            while (i < text.Length && char.IsAsciiHexDigit((char)text[i]))
            {
                i++;
            }

            if (i < text.Length && text[i] == (byte)'.')
            {
                if (!IsIPv4Address(text[start..]))
                {
                    return false;
                }

                groups += 2;
                break;
            }

            if (i == start || i - start > 4)
            {
                return false;
            }

            groups++;
            if (i == text.Length)
            {
                break;
            }

            if (text[i] != (byte)':' || ++i == text.Length)
            {
                return false; // not a separator, or a single trailing ':'
            }

            if (text[i] == (byte)':')
            {
                if (compressed)
                {
                    return false;
                }

                compressed = true;
                i++;
            }
        }

        return compressed ? groups <= 7 : groups == 8;
    }

    /// <summary>RFC 3986 §3.2.2 IPv4address: four dec-octets 0-255 without leading zeros.</summary>
    public static bool IsIPv4Address(ReadOnlySpan<byte> text)
    {
        for (int octet = 0; octet < 4; octet++)
        {
            int digits = 0;
            int value = 0;
            while (digits < text.Length && (uint)(text[digits] - '0') <= 9)
            {
                value = (value * 10) + (text[digits] - '0');
                if (++digits > 3)
                {
                    return false;
                }
            }

            if (digits == 0 || value > 255 || (digits > 1 && text[0] == (byte)'0'))
            {
                return false;
            }

            text = text[digits..];
            if (octet < 3)
            {
                if (text.IsEmpty || text[0] != (byte)'.')
                {
                    return false;
                }

                text = text[1..];
            }
        }

        return text.IsEmpty;
    }
}
