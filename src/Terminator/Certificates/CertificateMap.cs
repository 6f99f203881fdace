using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Terminator.Certificates;

/// <summary>
/// Host name → <see cref="CertificateEntry"/> map for SNI selection, sized for thousands to millions of names.
/// Holds exact names ("click.shop.com") and single-label wildcards ("*.shop.com"). Reads are lock-free and allocate
/// nothing; writes replace names one by one with atomic swaps, so a concurrent reader sees either the old or the
/// new entry for a name, never a gap.
/// </summary>
public sealed class CertificateMap
{
    /// <summary>Host names longer than this cannot be DNS names (RFC 1035 §2.3.4) and are treated as misses.</summary>
    private const int MaxHostNameLength = 255;

    private readonly ConcurrentDictionary<string, CertificateEntry> _entries;
    private readonly ConcurrentDictionary<string, CertificateEntry>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly bool _ocspStapling;

    /// <summary>Creates an empty map.</summary>
    /// <param name="ocspStapling">When true, <see cref="Set"/> calls <see cref="CertificateEntry.EnableOcspStapling"/>
    /// on every entry before publishing it, so certificates naming an OCSP responder get their context (and the first
    /// OCSP fetch) at load, off the handshake path. When false (the default) no responder is ever contacted.</param>
    public CertificateMap(bool ocspStapling = false)
    {
        _ocspStapling = ocspStapling;
        _entries = new ConcurrentDictionary<string, CertificateEntry>(StringComparer.Ordinal);
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>True when entries are published with OCSP stapling (see the constructor). Loaders may call
    /// <see cref="CertificateEntry.EnableOcspStapling"/> themselves, in parallel, before <see cref="Set"/>.</summary>
    public bool OcspStapling => _ocspStapling;

    /// <summary>Number of names (exact and wildcard) in the map. Takes the dictionary's locks: not for hot paths.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Finds the entry for an SNI host name given as ASCII bytes (lower-case, no trailing dot, as normalised by the
    /// ClientHello parser; upper-case letters and one trailing dot are tolerated anyway). Exact match first, then the
    /// wildcard for everything after the first label (RFC 6125 §6.4.3: "*" covers exactly one whole label), so
    /// "*.example.com" matches "a.example.com" but neither "a.b.example.com" nor "example.com".
    /// Allocates nothing.
    /// </summary>
    public bool TryGet(ReadOnlySpan<byte> hostName, [MaybeNullWhen(false)] out CertificateEntry entry)
    {
        if (hostName.Length is 0 or > MaxHostNameLength)
        {
            entry = null;
            return false;
        }

        Span<char> buffer = stackalloc char[MaxHostNameLength];
        for (var i = 0; i < hostName.Length; i++)
        {
            var b = hostName[i];
            if (b >= 0x80)
            {
                // Non-ASCII: SNI carries A-labels (RFC 6066 §3), so this cannot match any certificate name.
                entry = null;
                return false;
            }

            buffer[i] = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b | 0x20 : b);
        }

        return TryGetNormalized(buffer[..hostName.Length], out entry);
    }

    /// <summary>Case-insensitive convenience overload of <see cref="TryGet(ReadOnlySpan{byte}, out CertificateEntry)"/>.</summary>
    public bool TryGet(string hostName, [MaybeNullWhen(false)] out CertificateEntry entry)
    {
        ArgumentNullException.ThrowIfNull(hostName);
        if (hostName.Length is 0 or > MaxHostNameLength)
        {
            entry = null;
            return false;
        }

        Span<char> buffer = stackalloc char[MaxHostNameLength];
        for (var i = 0; i < hostName.Length; i++)
        {
            var c = hostName[i];
            if (c >= 0x80)
            {
                entry = null;
                return false;
            }

            buffer[i] = c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c;
        }

        return TryGetNormalized(buffer[..hostName.Length], out entry);
    }

    /// <summary>Adds or replaces every name of <paramref name="entry"/>. Each name is swapped atomically, so a reader
    /// never finds a name missing while its certificate is being replaced. Last writer wins; see
    /// <see cref="SetAll"/> for the "latest NotAfter wins" rule.</summary>
    public void Set(CertificateEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_ocspStapling)
        {
            entry.EnableOcspStapling();
        }

        foreach (var name in entry.Names)
        {
            _entries[name] = entry;
        }
    }

    /// <summary>Points one lower-case name (exact, or "*.suffix") at an entry.</summary>
    /// <remarks>Internal for benchmarks: fills the map with a million names without a million certificates.</remarks>
    internal void SetName(string name, CertificateEntry entry) => _entries[name] = entry;

    /// <summary>
    /// Applies <paramref name="entries"/> so that, for names claimed by several entries, the one with the latest
    /// <see cref="CertificateEntry.NotAfter"/> wins (ties: the greater <see cref="CertificateEntry.Source"/>, ordinal),
    /// independent of the order given. Names already in the map are replaced unconditionally, as with <see cref="Set"/>.
    /// </summary>
    public void SetAll(IEnumerable<CertificateEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var ordered = new List<CertificateEntry>(entries);
        ordered.Sort(CompareByExpiry);
        foreach (var entry in ordered)
        {
            Set(entry);
        }
    }

    /// <summary>Removes the names of <paramref name="entry"/> that still point at it (names since taken over by another
    /// entry are left alone).</summary>
    public void Remove(CertificateEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        foreach (var name in entry.Names)
        {
            // Compare-and-remove: CertificateEntry has reference equality, so only this entry's mapping goes.
            _entries.TryRemove(new KeyValuePair<string, CertificateEntry>(name, entry));
        }
    }

    /// <summary>Orders entries by NotAfter, then Source: applying them in this order makes the latest expiry win.</summary>
    internal static int CompareByExpiry(CertificateEntry? x, CertificateEntry? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var byExpiry = x.NotAfter.CompareTo(y.NotAfter);
        return byExpiry != 0 ? byExpiry : string.CompareOrdinal(x.Source, y.Source);
    }

    private bool TryGetNormalized(Span<char> name, [MaybeNullWhen(false)] out CertificateEntry entry)
    {
        if (name[^1] == '.')
        {
            name = name[..^1];
            if (name.IsEmpty)
            {
                entry = null;
                return false;
            }
        }

        // A literal "*" in a client's SNI is not a host name; refusing it keeps "*.example.com" from matching itself.
        if (name.Contains('*'))
        {
            entry = null;
            return false;
        }

        if (_lookup.TryGetValue(name, out entry))
        {
            return true;
        }

        var firstDot = name.IndexOf('.');
        if (firstDot <= 0 || firstDot == name.Length - 1)
        {
            // No dot ("localhost"), empty first label (".example.com") or nothing after it: no wildcard applies.
            return false;
        }

        // Reuse the buffer: overwrite the last character of the first label with '*' and look up from there,
        // turning "a.example.com" into "*.example.com" without copying.
        name[firstDot - 1] = '*';
        return _lookup.TryGetValue(name[(firstDot - 1)..], out entry);
    }
}
