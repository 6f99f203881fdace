using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Terminator.Configuration;

/// <summary>
/// Parses a comma-separated list of CIDRs (<c>10.0.0.0/8, 2001:db8::/32</c>; a bare address is one host) for trust
/// decisions, more strictly than <see cref="IPNetwork.TryParse(string, out IPNetwork)"/>: that one reads
/// <c>010.0.0.0/8</c> as octal (8.0.0.0/8) and silently clears host bits (<c>10.0.0.1/8</c> becomes 10.0.0.0/8), and in
/// a list of trusted balancers either would trust a network the operator never wrote. Start-up only.
/// </summary>
internal static class NetworkListParser
{
    private const string Expected = "expected address/prefix, e.g. 10.0.0.0/8 or 2001:db8::/32";

    /// <summary>Null on success, or an error phrase naming the offending entry.</summary>
    public static string? TryParse(string text, out IReadOnlyList<IPNetwork> networks)
    {
        var list = new List<IPNetwork>();
        networks = list;
        foreach (string rawItem in text.Split(','))
        {
            string item = rawItem.Trim();
            if (item.Length == 0)
            {
                return $"'{text}' has an empty entry ({Expected})";
            }

            string? error = TryParseNetwork(item, out IPNetwork network);
            if (error is not null)
            {
                return error;
            }

            if (!list.Contains(network))
            {
                list.Add(network);
            }
        }

        return null;
    }

    private static string? TryParseNetwork(string item, out IPNetwork network)
    {
        network = default;
        int slash = item.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? item : item[..slash];
        if (!TryParseAddress(addressText, out IPAddress? address))
        {
            return $"'{item}' is not a CIDR: '{addressText}' is not an IPv4 or IPv6 address ({Expected}; IPv4 in plain dotted decimal without leading zeros, no IPv6 zone)";
        }

        int maxPrefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int prefix = maxPrefix;
        if (slash >= 0)
        {
            string prefixText = item[(slash + 1)..];
            if (prefixText.Length is 0 or > 3 || !prefixText.All(char.IsAsciiDigit)
                || (prefix = int.Parse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture)) > maxPrefix
                || (prefixText.Length > 1 && prefixText[0] == '0'))
            {
                return $"'{item}' is not a CIDR: the prefix length must be 0..{maxPrefix} ({Expected})";
            }
        }

        var candidate = new IPNetwork(Masked(address, prefix), prefix);
        if (!candidate.BaseAddress.Equals(address))
        {
            // Either a typo in the address or in the prefix: guessing which could trust the wrong network.
            return $"'{item}' has address bits set after the /{prefix} prefix (did you mean {candidate}?)";
        }

        network = candidate;
        return null;
    }

    private static bool TryParseAddress(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return !text.Contains('%', StringComparison.Ordinal) && IPAddress.TryParse(text, out address)
                && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        return IsDottedQuad(text) && IPAddress.TryParse(text, out address);
    }

    /// <summary>Exactly four decimal numbers 0..255 without leading zeros (no octal, hex or short forms).</summary>
    private static bool IsDottedQuad(string text)
    {
        string[] parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (string part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || (part.Length > 1 && part[0] == '0')
                || int.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }
        }

        return true;
    }

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int bitsKept = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bitsKept));
        }

        return new IPAddress(bytes);
    }
}
