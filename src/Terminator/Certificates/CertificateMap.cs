using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Terminator.Certificates;

/// <summary>
/// Host name → certificate, for thousands to millions of names. Reads are lock-free (ConcurrentDictionary reads take
/// no lock) and allocation-free (a span-keyed alternate lookup over a stack buffer); each name is replaced atomically,
/// so a renewal never leaves a moment where the name is unknown, and a single change costs one dictionary write
/// instead of a rebuilt snapshot.
/// </summary>
public sealed class CertificateMap
{
    private const int MaxHostNameLength = 255;

    private readonly ConcurrentDictionary<string, CertificateEntry> _exact = new(StringComparer.Ordinal);
    // Keyed by the part after "*." — "*.example.com" is stored as "example.com".
    private readonly ConcurrentDictionary<string, CertificateEntry> _wildcard = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CertificateEntry>.AlternateLookup<ReadOnlySpan<char>> _exactBySpan;
    private readonly ConcurrentDictionary<string, CertificateEntry>.AlternateLookup<ReadOnlySpan<char>> _wildcardBySpan;

    public CertificateMap()
    {
        _exactBySpan = _exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcardBySpan = _wildcard.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Number of names (exact + wildcard).</summary>
    public int Count => _exact.Count + _wildcard.Count;

    /// <summary>
    /// Finds the certificate for a host name given as ASCII bytes (the ClientHello parser's output; upper case is
    /// tolerated). Exact match first, then the wildcard one label up: "*.example.com" serves "a.example.com", never
    /// "a.b.example.com" or "example.com" (RFC 6125 §6.4.3). Allocates nothing.
    /// </summary>
    public bool TryGet(ReadOnlySpan<byte> hostName, [MaybeNullWhen(false)] out CertificateEntry entry)
    {
        entry = null;
        if (hostName.IsEmpty || hostName.Length > MaxHostNameLength)
        {
            return false;
        }

        Span<char> name = stackalloc char[hostName.Length];
        for (int i = 0; i < hostName.Length; i++)
        {
            byte b = hostName[i];
            if (b >= 0x80)
            {
                return false; // SNI is ASCII (IDNs arrive as A-labels, RFC 6066 §3)
            }

            name[i] = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b | 0x20 : b);
        }

        return TryGetNormalized(name, out entry);
    }

    /// <summary>Convenience lookup by string (case-insensitive, trailing dot ignored).</summary>
    public bool TryGet(string hostName, [MaybeNullWhen(false)] out CertificateEntry entry)
    {
        ArgumentNullException.ThrowIfNull(hostName);
        string normalized = hostName.TrimEnd('.').ToLowerInvariant();
        entry = null;
        return normalized.Length is > 0 and <= MaxHostNameLength && TryGetNormalized(normalized, out entry);
    }

    private bool TryGetNormalized(ReadOnlySpan<char> name, [MaybeNullWhen(false)] out CertificateEntry entry)
    {
        if (_exactBySpan.TryGetValue(name, out entry))
        {
            return true;
        }

        int dot = name.IndexOf('.');
        return dot > 0 && _wildcardBySpan.TryGetValue(name[(dot + 1)..], out entry);
    }

    /// <summary>Serves each of <paramref name="entry"/>'s names from it, replacing whatever served them before.</summary>
    public void Set(CertificateEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        foreach (string name in entry.Names)
        {
            SetName(name, entry);
        }
    }

    /// <summary>Points one lower-case name at an entry.</summary>
    /// <remarks>Internal for benchmarks: fills the map with a million names without a million certificates.</remarks>
    internal void SetName(string name, CertificateEntry entry)
    {
        if (IsWildcard(name))
        {
            _wildcard[name[2..]] = entry;
        }
        else
        {
            _exact[name] = entry;
        }
    }

    /// <summary>Removes the names that still point at <paramref name="entry"/> (a newer entry for a name stays).</summary>
    public void Remove(CertificateEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        foreach (string name in entry.Names)
        {
            if (IsWildcard(name))
            {
                _wildcard.TryRemove(new KeyValuePair<string, CertificateEntry>(name[2..], entry));
            }
            else
            {
                _exact.TryRemove(new KeyValuePair<string, CertificateEntry>(name, entry));
            }
        }
    }

    /// <summary>Every distinct entry currently served (a snapshot; for listings and reload diffs, not the hot path).</summary>
    public IReadOnlyCollection<CertificateEntry> Entries()
    {
        var set = new HashSet<CertificateEntry>(ReferenceEqualityComparer.Instance);
        foreach (KeyValuePair<string, CertificateEntry> pair in _exact) set.Add(pair.Value);
        foreach (KeyValuePair<string, CertificateEntry> pair in _wildcard) set.Add(pair.Value);
        return set;
    }

    private static bool IsWildcard(string name) => name.Length > 2 && name[0] == '*' && name[1] == '.';
}
