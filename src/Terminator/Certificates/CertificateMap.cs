using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Terminator.Configuration;
using Terminator.Diagnostics;

namespace Terminator.Certificates;

/// <summary>
/// Host name → certificates map for SNI selection, sized for thousands to millions of names. Holds exact names
/// ("click.shop.com") and single-label wildcards ("*.shop.com"); each name can hold several certificates (typically an
/// ECDSA and an RSA one) as an immutable <see cref="CertificateChoice"/>. Reads are lock-free and allocate nothing;
/// writes replace one name's choice at a time with compare-and-swap, so a concurrent reader sees either the old or the
/// new choice for a name, never a gap, and concurrent writers to one name never lose each other's update.
/// </summary>
/// <remarks>
/// Selection per handshake (<see cref="TryGet(ReadOnlySpan{byte}, bool, out CertificateEntry)"/>): within a key family
/// the newest valid certificate wins (valid now, latest NotBefore: the most recent issuance is the operator's latest
/// intent, e.g. a re-issue after a key compromise with a shorter lifetime); across families ECDSA if the client offers
/// it and one is valid, else RSA if valid. Only when nothing valid that the client can use exists is an expired or
/// not-yet-valid certificate served, and that is logged once per certificate. See <see cref="CertificateChoice.Select"/>.
/// </remarks>
internal sealed partial class CertificateMap
{
    /// <summary>Host names longer than this cannot be DNS names (RFC 1035 §2.3.4) and are treated as misses.</summary>
    private const int MaxHostNameLength = 255;

    // Not readonly for Reserve only, which replaces both before the map is shared.
    private ConcurrentDictionary<string, CertificateChoice> _entries;
    private ConcurrentDictionary<string, CertificateChoice>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly TerminatorLog _log;
    private readonly TimeProvider _time;
    private readonly bool _ocspStapling;

    /// <summary>Creates an empty map.</summary>
    /// <param name="log">Where "served outside its validity period" warnings go; silent when null.</param>
    /// <param name="timeProvider">The clock validity is judged by; the system clock when null.</param>
    /// <param name="ocspStapling">When true, <see cref="Set"/> calls <see cref="CertificateEntry.EnableOcspStapling"/>
    /// on every entry before publishing it, so certificates naming an OCSP responder get their context (and the first
    /// OCSP fetch) at load, off the handshake path. When false (the default) no responder is ever contacted.</param>
    public CertificateMap(TerminatorLog? log = null, TimeProvider? timeProvider = null, bool ocspStapling = false, CertificateContextCache? contextCache = null)
    {
        ContextCache = contextCache ?? new CertificateContextCache(TerminatorOptions.DefaultCertCacheSize);
        _ocspStapling = ocspStapling;
        _entries = new ConcurrentDictionary<string, CertificateChoice>(StringComparer.Ordinal);
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
        _log = log ?? TerminatorLog.Silent;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Bounds how many of this map's entries hold a materialised TLS context (<c>TERMINATOR_CERT_CACHE_SIZE</c>).</summary>
    public CertificateContextCache ContextCache { get; }

    /// <summary>True when entries are published with OCSP stapling (see the constructor). Loaders may call
    /// <see cref="CertificateEntry.EnableOcspStapling"/> themselves, in parallel, before <see cref="Set"/>.</summary>
    public bool OcspStapling => _ocspStapling;

    /// <summary>Number of names (exact and wildcard) in the map. Takes the dictionary's locks: not for hot paths.</summary>
    public int Count => _entries.Count;

    /// <summary>Every certificate currently served, once each: a certificate with several names is in several choices,
    /// and is yielded at its first name, as <see cref="Summarize"/> counts it. O(names) time and no memory per name (a
    /// set of the entries seen grew to tens of MiB on the large-object heap at a million, right after start-up, when the
    /// expiry monitor first runs): for a periodic sweep, never for the handshake path.</summary>
    public IEnumerable<CertificateEntry> EnumerateCertificates()
    {
        foreach (KeyValuePair<string, CertificateChoice> pair in _entries)
        {
            CertificateChoice choice = pair.Value;
            for (int i = 0; i < choice.Count; i++)
            {
                CertificateNameList names = choice[i].Names;
                if (names.Count > 0 && string.Equals(names[0], pair.Key, StringComparison.Ordinal))
                {
                    yield return choice[i];
                }
            }
        }
    }

    /// <summary>
    /// Finds the certificate for an SNI host name given as ASCII bytes (lower-case, no trailing dot, as normalised by
    /// the ClientHello parser; upper-case letters and one trailing dot are tolerated anyway). Exact match first, then
    /// the wildcard for everything after the first label (RFC 6125 §6.4.3: "*" covers exactly one whole label), so
    /// "*.example.com" matches "a.example.com" but neither "a.b.example.com" nor "example.com". The exact name wins
    /// unless it has nothing valid the client can use and the wildcard has. Among a name's certificates, see the
    /// class remarks. Allocates nothing (except the first warning about a certificate served outside its validity).
    /// </summary>
    /// <param name="hostName">SNI host name bytes.</param>
    /// <param name="clientAcceptsEcdsa">From <see cref="Tls.ClientHelloInfo.OffersEcdsa"/>: prefer the ECDSA certificate.</param>
    /// <param name="entry">The certificate to serve.</param>
    public bool TryGet(ReadOnlySpan<byte> hostName, bool clientAcceptsEcdsa, [MaybeNullWhen(false)] out CertificateEntry entry)
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

        return TryGetNormalized(buffer[..hostName.Length], clientAcceptsEcdsa, out entry);
    }

    /// <summary><see cref="TryGet(ReadOnlySpan{byte}, bool, out CertificateEntry)"/> for a client that accepts ECDSA
    /// (every current browser and TLS library does).</summary>
    public bool TryGet(ReadOnlySpan<byte> hostName, [MaybeNullWhen(false)] out CertificateEntry entry) =>
        TryGet(hostName, clientAcceptsEcdsa: true, out entry);

    /// <summary>Orders entries by NotAfter, then Source: a deterministic order for load results and logs.</summary>
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
        return byExpiry != 0 ? byExpiry : CertificateEntry.CompareSources(x, y);
    }

    private bool TryGetNormalized(Span<char> name, bool clientAcceptsEcdsa, [MaybeNullWhen(false)] out CertificateEntry entry)
    {
        entry = null;
        if (name[^1] == '.')
        {
            name = name[..^1];
            if (name.IsEmpty)
            {
                return false;
            }
        }

        // A literal "*" in a client's SNI is not a host name; refusing it keeps "*.example.com" from matching itself.
        if (name.Contains('*'))
        {
            return false;
        }

        // The clock is read only once a name is found: misses (scanners, stale DNS) stay a pure dictionary probe.
        long now = 0;
        CertificateEntry? exact = null;
        if (_lookup.TryGetValue(name, out CertificateChoice choice))
        {
            now = _time.GetUtcNow().UtcTicks;
            exact = choice.Select(clientAcceptsEcdsa, now, out bool usable);
            if (usable)
            {
                entry = exact;
                return true;
            }
        }

        CertificateEntry? chosen = exact;
        var firstDot = name.IndexOf('.');
        if (firstDot > 0 && firstDot < name.Length - 1)
        {
            // Reuse the buffer: overwrite the last character of the first label with '*' and look up from there,
            // turning "a.example.com" into "*.example.com" without copying. (No dot, an empty first label or nothing
            // after it: no wildcard applies.)
            char replaced = name[firstDot - 1];
            name[firstDot - 1] = '*';
            if (_lookup.TryGetValue(name[(firstDot - 1)..], out choice))
            {
                now = exact is null ? _time.GetUtcNow().UtcTicks : now;
                CertificateEntry wildcard = choice.Select(clientAcceptsEcdsa, now, out bool usable);
                if (usable || exact is null)
                {
                    chosen = wildcard;
                }
            }

            name[firstDot - 1] = replaced;
        }

        if (chosen is null)
        {
            return false;
        }

        if (!chosen.IsValidAt(now))
        {
            WarnOutsideValidity(chosen, name, now);
        }

        entry = chosen;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WarnOutsideValidity(CertificateEntry entry, ReadOnlySpan<char> name, long now)
    {
        if (!_log.Certificates.IsEnabled(LogLevel.Warning) || !entry.TryMarkWarned(now))
        {
            return;
        }

        string state = now > entry.NotAfterTicks ? $"expired {entry.NotAfter:u}" : $"not valid before {entry.NotBefore:u}";
        CertificateLog.ServedOutsideValidity(_log.Certificates, state, name.ToString(), entry.Source, entry.KeyAlgorithm);
    }
}
