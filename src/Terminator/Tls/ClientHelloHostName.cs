namespace Terminator.Tls;

/// <summary>Validates and normalises the SNI host_name (RFC 6066 §3) into a canonical lower-case form for certificate lookup.</summary>
internal static class ClientHelloHostName
{
    /// <summary>RFC 1035 §2.3.4: 255 octets on the wire, i.e. 253 characters in dotted text form without the trailing dot.</summary>
    internal const int MaxHostNameLength = 253;

    /// <summary>RFC 1035 §2.3.4: labels are 63 octets or less.</summary>
    private const int MaxLabelLength = 63;

    /// <summary>
    /// Writes the lower-cased host name without a trailing dot to <paramref name="destination"/> (≥ 253 bytes).
    /// False when it is not an LDH host name (RFC 1123 §2.1, RFC 5890 §2.3.1) or is an IP literal.
    /// IDN A-labels ("xn--…") are LDH and pass through unchanged; raw UTF-8 U-labels are rejected.
    /// </summary>
    internal static bool TryNormalize(ReadOnlySpan<byte> name, Span<byte> destination, out int length)
    {
        length = 0;

        // RFC 6066 §3 says "without a trailing dot", but some clients send the absolute form; it names the same host.
        if (name.Length > 0 && name[^1] == (byte)'.')
        {
            name = name[..^1];
        }

        if (name.Length == 0 || name.Length > MaxHostNameLength)
        {
            return false;
        }

        int labelStart = 0;
        bool labelAllDigits = true;
        for (int i = 0; i < name.Length; i++)
        {
            byte c = name[i];
            if (c == (byte)'.')
            {
                if (!IsValidLabel(name[labelStart..i]))
                {
                    return false;
                }

                destination[i] = c;
                labelStart = i + 1;
                labelAllDigits = true;
                continue;
            }

            if ((uint)(c - 'A') <= 'Z' - 'A')
            {
                c = (byte)(c | 0x20);
            }
            else if ((uint)(c - '0') > 9 && (uint)(c - 'a') > 'z' - 'a' && c != (byte)'-')
            {
                return false;
            }

            labelAllDigits &= (uint)(c - '0') <= 9;
            destination[i] = c;
        }

        if (!IsValidLabel(name[labelStart..]))
        {
            return false;
        }

        // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName." IPv6 already failed on ':';
        // IPv4 (and shorthand like "127.1") is caught by the all-numeric top label that RFC 3696 §2 rules out for DNS.
        if (labelAllDigits)
        {
            return false;
        }

        length = name.Length;
        return true;
    }

    /// <summary>RFC 1123 §2.1 / RFC 952: 1..63 characters, not starting or ending with a hyphen.</summary>
    private static bool IsValidLabel(ReadOnlySpan<byte> label) =>
        label.Length is > 0 and <= MaxLabelLength && label[0] != (byte)'-' && label[^1] != (byte)'-';
}
