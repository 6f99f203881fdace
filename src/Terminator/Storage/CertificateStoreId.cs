using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Terminator.Certificates;

namespace Terminator.Storage;

/// <summary>
/// Store ids: <c>&lt;first name&gt;.&lt;ecdsa|rsa&gt;.&lt;8 hex&gt;</c>, e.g. <c>click.shop.example.ecdsa.3f2a91c0</c>. The same
/// set of names with the same key family always gets the same id, so a renewed certificate replaces the old one,
/// while an ECDSA and an RSA certificate for one name live side by side. The hash covers the whole sorted name set;
/// the readable prefix is for operators.
/// </summary>
internal static class CertificateStoreId
{
    private const int MaxPrefixLength = 200; // keeps "<id>.tcert" under the 255-byte file name limit

    /// <summary>The id <paramref name="certificate"/> is stored under.</summary>
    public static string For(CertificateEntry certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return For(certificate.Names, KeyFamily(certificate.Certificate));
    }

    /// <summary>The id for a name set and key family ("ecdsa" or "rsa").</summary>
    public static string For(IReadOnlyList<string> names, string keyFamily)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentException.ThrowIfNullOrEmpty(keyFamily);
        var sorted = names.Select(n => n.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
        if (sorted.Count == 0)
        {
            throw new ArgumentException("At least one name is required.", nameof(names));
        }

        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', sorted)));
        string first = sorted[0].Replace('*', '_');
        if (first.Length > MaxPrefixLength)
        {
            first = first[..MaxPrefixLength];
        }

        return $"{first}.{keyFamily}.{Convert.ToHexStringLower(hash.AsSpan(0, 4))}";
    }

    /// <summary>
    /// The 32-bit tag an id ends with (its 8 hex digits), when it has that shape. With the entry's names and key family
    /// it gives back the whole id (<see cref="TryWrite"/>), so a store entry keeps 4 bytes instead of its path.
    /// </summary>
    public static bool TryParseTag(ReadOnlySpan<char> id, out uint tag)
    {
        tag = 0;
        return id.Length > 9 && id[^9] == '.'
            && uint.TryParse(id[^8..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out tag);
    }

    /// <summary>
    /// Writes the id <see cref="For(IReadOnlyList{string}, string)"/> gives for <paramref name="names"/> and
    /// <paramref name="family"/>, with <paramref name="tag"/> as its hash part, into <paramref name="destination"/>
    /// without allocating; returns the characters written, or -1 when it does not fit or the names are not in the form
    /// ids are made from (lower-case ASCII). Whether the result is the entry's real id is for the caller to check.
    /// </summary>
    public static int TryWrite(CertificateNameList names, CertificateKeyFamily family, uint tag, Span<char> destination)
    {
        string? first = null;
        foreach (string name in names)
        {
            if (name.AsSpan().ContainsAnyExceptInRange((char)0x20, (char)0x7e) || name.AsSpan().ContainsAnyInRange('A', 'Z'))
            {
                return -1;
            }

            if (first is null || string.CompareOrdinal(name, first) < 0)
            {
                first = name;
            }
        }

        if (first is null)
        {
            return -1;
        }

        ReadOnlySpan<char> prefix = first.AsSpan(0, Math.Min(first.Length, MaxPrefixLength));
        string keyFamily = family == CertificateKeyFamily.Ecdsa ? "ecdsa" : "rsa";
        int length = prefix.Length + 1 + keyFamily.Length + 1 + 8;
        if (length > destination.Length)
        {
            return -1;
        }

        prefix.Replace(destination, '*', '_');
        int at = prefix.Length;
        destination[at++] = '.';
        keyFamily.CopyTo(destination[at..]);
        at += keyFamily.Length;
        destination[at++] = '.';
        tag.TryFormat(destination[at..], out int written, "x8", CultureInfo.InvariantCulture);
        return at + written;
    }

    /// <summary>True for strings that can be ids: 1..240 characters of <c>[a-z0-9._-]</c>, not starting with '.'.
    /// Rejects anything that could escape a directory or name a hidden temp file.</summary>
    public static bool IsValid(string id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 240 && id[0] != '.' && !id.AsSpan().ContainsAnyExcept(IdCharacters);

    // Checked for every index record at start-up: a vectorised scan, not a per-character delegate (1% of a million-entry start).
    private static readonly System.Buffers.SearchValues<char> IdCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789._-");

    private static string KeyFamily(X509Certificate2 certificate)
    {
        using (ECDsa? ecdsa = certificate.GetECDsaPublicKey())
        {
            if (ecdsa is not null)
            {
                return "ecdsa";
            }
        }

        using (RSA? rsa = certificate.GetRSAPublicKey())
        {
            if (rsa is not null)
            {
                return "rsa";
            }
        }

        return "key";
    }
}
