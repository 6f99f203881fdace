using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Certificates;

/// <summary>Reads and normalises the DNS names a certificate is valid for.</summary>
internal static class CertificateNames
{
    private const string SubjectAlternativeNameOid = "2.5.29.17";

    /// <summary>Longest DNS name (RFC 1035 §2.3.4: 255 octets on the wire, 253 characters in text form).</summary>
    internal const int MaxNameLength = 253;

    /// <summary>
    /// Lower-case SAN dNSName entries (RFC 5280 §4.2.1.6). The subject CN is deliberately ignored: RFC 6125 §6.4.4
    /// forbids falling back to it when SANs are present, and browsers ignore it entirely. Names that are not valid
    /// ASCII host names, or that use a wildcard other than a whole left-most label ("*.example.com"), are dropped,
    /// since no client would accept them (RFC 6125 §6.4.3).
    /// </summary>
    public static List<string> Read(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != SubjectAlternativeNameOid)
            {
                continue;
            }

            try
            {
                var san = extension as X509SubjectAlternativeNameExtension
                    ?? new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
                foreach (var dnsName in san.EnumerateDnsNames())
                {
                    var normalized = Normalize(dnsName);
                    if (normalized is not null && !names.Contains(normalized))
                    {
                        names.Add(normalized);
                    }
                }
            }
            catch (CryptographicException)
            {
                // A malformed SAN extension yields no names; the loader reports "no SAN DNS names".
            }
        }

        return names;
    }

    /// <summary>Lower-cases and validates one DNS name; returns null when it cannot be served.</summary>
    internal static string? Normalize(string name)
    {
        if (name.EndsWith('.'))
        {
            name = name[..^1];
        }

        if (name.Length == 0 || name.Length > MaxNameLength)
        {
            return null;
        }

        var labelStart = 0;
        for (var i = 0; i <= name.Length; i++)
        {
            if (i < name.Length && name[i] != '.')
            {
                var c = name[i];
                var valid = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_'
                    || (c == '*' && i == 0 && name.Length > 2 && name[1] == '.');
                if (!valid)
                {
                    return null;
                }

                continue;
            }

            // Empty labels ("a..b", ".a") and labels over 63 octets (RFC 1035 §2.3.4) are invalid.
            var labelLength = i - labelStart;
            if (labelLength == 0 || labelLength > 63)
            {
                return null;
            }

            labelStart = i + 1;
        }

        return name.ToLowerInvariant();
    }

    /// <summary>Human-readable key algorithm, e.g. "ECDSA P-256" or "RSA 2048".</summary>
    public static string DescribeKey(X509Certificate2 certificate)
    {
        using (var ecdsa = certificate.GetECDsaPublicKey())
        {
            if (ecdsa is not null)
            {
                return ecdsa.KeySize switch
                {
                    256 => "ECDSA P-256",
                    384 => "ECDSA P-384",
                    521 => "ECDSA P-521",
                    var size => "ECDSA " + size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
            }
        }

        using (var rsa = certificate.GetRSAPublicKey())
        {
            if (rsa is not null)
            {
                return "RSA " + rsa.KeySize.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value ?? "unknown";
    }

    /// <summary>
    /// True when <paramref name="pattern"/> (a lower-case SAN name, exact or "*.suffix") covers
    /// <paramref name="hostName"/> (ASCII, any case): the same rule as the map's lookup, RFC 6125 §6.4.3 — "*" stands
    /// for exactly one whole label, so "*.example.com" covers "a.example.com" but neither "a.b.example.com" nor
    /// "example.com". Allocates nothing.
    /// </summary>
    public static bool Covers(string pattern, ReadOnlySpan<byte> hostName)
    {
        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            int dot = hostName.IndexOf((byte)'.');
            return dot > 0 && EqualsIgnoreAsciiCase(pattern.AsSpan(1), hostName[dot..]);
        }

        return EqualsIgnoreAsciiCase(pattern, hostName);
    }

    private static bool EqualsIgnoreAsciiCase(ReadOnlySpan<char> lowerCase, ReadOnlySpan<byte> ascii)
    {
        if (lowerCase.Length != ascii.Length)
        {
            return false;
        }

        for (int i = 0; i < ascii.Length; i++)
        {
            int b = ascii[i];
            if (b is >= 'A' and <= 'Z')
            {
                b |= 0x20;
            }

            if (lowerCase[i] != b)
            {
                return false;
            }
        }

        return true;
    }
}
