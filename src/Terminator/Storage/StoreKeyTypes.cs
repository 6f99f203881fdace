using System.Text;

namespace Terminator.Storage;

/// <summary>The key types the store writes ("ECDSA P-256", "RSA 3072", ...), as one shared string each: a million
/// entries and index records would otherwise hold a million copies of a handful of strings (~46 MB).</summary>
internal static class StoreKeyTypes
{
    private static readonly string[] Known = ["ECDSA P-256", "ECDSA P-384", "ECDSA P-521", "RSA 2048", "RSA 3072", "RSA 4096"];

    /// <summary>The shared instance of <paramref name="keyType"/> when it is a known type, else the string itself.</summary>
    public static string Intern(string keyType)
    {
        foreach (string known in Known)
        {
            if (string.Equals(known, keyType, StringComparison.Ordinal))
            {
                return known;
            }
        }

        return keyType;
    }

    /// <summary>The shared instance for a key type given as UTF-8 bytes, without decoding them.</summary>
    public static bool TryMatch(ReadOnlySpan<byte> utf8, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? keyType)
    {
        foreach (string known in Known)
        {
            if (utf8.Length == known.Length && Ascii.Equals(utf8, known))
            {
                keyType = known;
                return true;
            }
        }

        keyType = null;
        return false;
    }
}
