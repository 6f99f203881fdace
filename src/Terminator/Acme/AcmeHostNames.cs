namespace Terminator.Acme;

/// <summary>Checks and normalises the names of an order: ASCII host names (A-labels for IDNs), lower-cased, unique.</summary>
internal static class AcmeHostNames
{
    /// <summary>
    /// The names lower-cased and de-duplicated, first occurrence first (it becomes the CSR's CN). Throws
    /// <see cref="ArgumentException"/> for an empty list, a name that is not an LDH host name of at most 253
    /// characters (RFC 1123 §2.1, RFC 5890 A-labels), or a wildcard (only DNS-01 can validate one, RFC 8555 §7.1.3).
    /// </summary>
    public static IReadOnlyList<string> Normalize(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0)
        {
            throw new ArgumentException("an order needs at least one name", nameof(names));
        }

        var result = new List<string>(names.Count);
        foreach (string raw in names)
        {
            string name = (raw ?? string.Empty).Trim().TrimEnd('.').ToLowerInvariant();
            if (name.StartsWith("*.", StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{raw}': wildcard names need the dns-01 challenge, which this client does not answer", nameof(names));
            }

            if (!IsHostName(name))
            {
                throw new ArgumentException($"'{raw}' is not a DNS host name (letters, digits and hyphens in dot-separated labels)", nameof(names));
            }

            if (!result.Contains(name))
            {
                result.Add(name);
            }
        }

        return result;
    }

    private static bool IsHostName(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        foreach (string label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (char c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return false;
                }
            }
        }

        return name.Contains('.', StringComparison.Ordinal); // a CA never issues for a bare label
    }
}
