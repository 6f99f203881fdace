using System.Buffers;
using System.Text;

namespace Terminator.Http;

/// <summary>
/// Parses a Host field value, or the authority of an absolute-form request-target (RFC 9110 §7.2:
/// <c>Host = uri-host [ ":" port ]</c>, with RFC 3986 §3.2.2-3.2.3 for the parts), without copying or allocating.
/// </summary>
internal static class HostFieldParser
{
    /// <summary>Longest host name (RFC 1035 §2.3.4: 253 characters in text form); an IPv6 literal is at most 45.</summary>
    public const int MaxHostNameLength = 253;

    /// <summary>RFC 1035 §2.3.4: labels are 63 octets or less.</summary>
    private const int MaxLabelLength = 63;

    /// <summary>Five digits cover every TCP port; more would be zero padding nobody sends.</summary>
    private const int MaxPortDigits = 5;

    /// <summary>reg-name bytes other than pct-encoded (RFC 3986 §3.2.2: unreserved / sub-delims).</summary>
    private static readonly SearchValues<byte> s_regNameChars = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;="u8);

    /// <summary>
    /// Splits <paramref name="value"/> into host and port. True when it is <c>uri-host [ ":" port ]</c>: an IPv6
    /// IP-literal in brackets (IPvFuture and zone identifiers are refused), or a reg-name (which covers IPv4 and may be
    /// empty, as RFC 9110 §7.2 allows) with valid pct-encoding. <paramref name="hostStart"/> and
    /// <paramref name="hostLength"/> locate the host inside <paramref name="value"/>, brackets excluded;
    /// <paramref name="port"/> is -1 when there is no port or it is empty (RFC 3986 §6.2.3: same as the default).
    /// </summary>
    public static bool TrySplit(ReadOnlySpan<byte> value, out int hostStart, out int hostLength, out int port)
    {
        hostStart = 0;
        hostLength = 0;
        port = -1;
        int hostEnd;
        if (!value.IsEmpty && value[0] == (byte)'[')
        {
            int close = value.IndexOf((byte)']');
            if (close < 0 || !IPAddressSyntax.IsIPv6Address(value[1..close]))
            {
                return false;
            }

            hostStart = 1;
            hostLength = close - 1;
            hostEnd = close + 1;
        }
        else
        {
            int colon = value.IndexOf((byte)':');
            hostEnd = colon < 0 ? value.Length : colon;
            if (!IsRegName(value[..hostEnd]))
            {
                return false;
            }

            hostLength = hostEnd;
        }

        if (hostEnd == value.Length)
        {
            return true;
        }

        if (value[hostEnd] != (byte)':')
        {
            return false; // "[::1]x"
        }

        return TryParsePort(value[(hostEnd + 1)..], out port);
    }

    /// <summary>
    /// Writes the host name of a Host field value lower-cased to <paramref name="destination"/> (at least
    /// <see cref="MaxHostNameLength"/> bytes): port removed, an IPv6 literal without brackets, a reg-name without its
    /// trailing dot ("Click.Shop.Example.:443" → "click.shop.example", "[::1]:8443" → "::1"). False when the value is
    /// not a valid Host, or its host is empty or not a name a certificate could cover: letters, digits, '-' and '_' in
    /// dot-separated labels of 1 to 63 bytes, the rule <c>CertificateNames</c> applies to certificate names.
    /// </summary>
    public static bool TryGetHostName(ReadOnlySpan<byte> value, Span<byte> destination, out int length)
    {
        length = 0;
        if (!TrySplit(value, out int hostStart, out int hostLength, out _) || hostLength == 0)
        {
            return false;
        }

        ReadOnlySpan<byte> host = value.Slice(hostStart, hostLength);
        bool ipLiteral = value[0] == (byte)'[';
        if (!ipLiteral)
        {
            if (host[^1] == (byte)'.')
            {
                host = host[..^1]; // the absolute FQDN names the same host (RFC 1034 §3.1)
            }

            if (!IsCertificateName(host))
            {
                return false;
            }
        }

        if (host.Length > destination.Length)
        {
            return false;
        }

        for (int i = 0; i < host.Length; i++)
        {
            byte c = host[i];
            destination[i] = (uint)(c - 'A') <= 'Z' - 'A' ? (byte)(c | 0x20) : c;
        }

        length = host.Length;
        return true;
    }

    /// <summary>
    /// Whether two host values (Host fields or absolute-form authorities) name the same host and port: host compared
    /// case-insensitively (RFC 3986 §6.2.2.1), a missing or empty port read as <paramref name="defaultPort"/>
    /// (§6.2.3). False when either is not a valid <c>uri-host [ ":" port ]</c>.
    /// </summary>
    public static bool AreSameAuthority(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int defaultPort)
    {
        if (!TrySplit(a, out int aStart, out int aLength, out int aPort) || !TrySplit(b, out int bStart, out int bLength, out int bPort))
        {
            return false;
        }

        return Ascii.EqualsIgnoreCase(a.Slice(aStart, aLength), b.Slice(bStart, bLength))
            && (aPort < 0 ? defaultPort : aPort) == (bPort < 0 ? defaultPort : bPort);
    }

    /// <summary>RFC 3986 §3.2.2: reg-name = *( unreserved / pct-encoded / sub-delims ).</summary>
    private static bool IsRegName(ReadOnlySpan<byte> host)
    {
        int i = 0;
        while (true)
        {
            int next = host[i..].IndexOfAnyExcept(s_regNameChars);
            if (next < 0)
            {
                return true;
            }

            i += next;
            if (host[i] != (byte)'%' || i + 2 >= host.Length || !char.IsAsciiHexDigit((char)host[i + 1])
                || !char.IsAsciiHexDigit((char)host[i + 2]))
            {
                return false;
            }

            i += 3;
        }
    }

    /// <summary>RFC 3986 §3.2.3: port = *DIGIT; bounded to the TCP range here.</summary>
    private static bool TryParsePort(ReadOnlySpan<byte> digits, out int port)
    {
        port = -1;
        if (digits.IsEmpty)
        {
            return true;
        }

        if (digits.Length > MaxPortDigits || digits.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            return false;
        }

        int parsed = 0;
        foreach (byte digit in digits)
        {
            parsed = (parsed * 10) + (digit - '0');
        }

        port = parsed;
        return parsed <= ushort.MaxValue;
    }

    /// <summary>Letters, digits, '-' and '_' in labels of 1..63 bytes, at most 253 bytes in all.</summary>
    private static bool IsCertificateName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty || name.Length > MaxHostNameLength)
        {
            return false;
        }

        int labelLength = 0;
        foreach (byte c in name)
        {
            if (c == (byte)'.')
            {
                if (labelLength == 0)
                {
                    return false;
                }

                labelLength = 0;
                continue;
            }

            if (!char.IsAsciiLetterOrDigit((char)c) && c != (byte)'-' && c != (byte)'_')
            {
                return false;
            }

            if (++labelLength > MaxLabelLength)
            {
                return false;
            }
        }

        return labelLength > 0;
    }
}
