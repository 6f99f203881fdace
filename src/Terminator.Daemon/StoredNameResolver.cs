using System.Text;
using Terminator.Certificates;
using Terminator.Storage;

namespace Terminator.Daemon;

/// <summary>
/// Answers "which stored entries serve this host name, and to whom" for <c>terminator certs show</c> by asking the
/// server's own <see cref="CertificateMap"/>, filled with the listed entries: exact name first, then the wildcard one
/// label up (<c>*.two.test</c> serves <c>a.two.test</c>, not <c>a.b.two.test</c>), and within a name the newest valid
/// certificate of the family the client accepts. No certificate is parsed and no key is read: the map only needs
/// names and dates.
/// </summary>
internal static class StoredNameResolver
{
    /// <summary>One entry under the name the server resolves <c>hostName</c> to.</summary>
    /// <param name="Entry">The stored entry.</param>
    /// <param name="Serves">How it serves the name and to which clients, for the <c>serves:</c> line.</param>
    internal sealed record ServingEntry(StoredCertificateInfo Entry, string Serves);

    /// <summary>The entries holding the name a handshake for <paramref name="hostName"/> (lower-case, no trailing dot)
    /// resolves to: every holder of the exact name, and the holders of the wildcard when the exact name has none or a
    /// handshake would fall back to the wildcard. Empty when nothing serves it.</summary>
    public static List<ServingEntry> Resolve(IReadOnlyList<StoredCertificateInfo> entries, string hostName)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentException.ThrowIfNullOrEmpty(hostName);
        var map = new CertificateMap(contextCache: new CertificateContextCache(1));
        var byEntry = new Dictionary<CertificateEntry, StoredCertificateInfo>(ReferenceEqualityComparer.Instance);
        foreach (StoredCertificateInfo info in entries)
        {
            var entry = new CertificateEntry(info.Names, info.NotBefore, info.NotAfter, info.KeyType, info.Location, ListingOnly.Instance);
            map.Set(entry);
            byEntry[entry] = info;
        }

        byte[] name = Encoding.ASCII.GetBytes(hostName);
        StoredCertificateInfo? forEcdsa = map.TryGet(name, clientAcceptsEcdsa: true, out CertificateEntry? e) ? byEntry[e] : null;
        StoredCertificateInfo? forRsa = map.TryGet(name, clientAcceptsEcdsa: false, out CertificateEntry? r) ? byEntry[r] : null;
        if (forEcdsa is null && forRsa is null)
        {
            return [];
        }

        int firstDot = hostName.IndexOf('.', StringComparison.Ordinal);
        string? wildcard = firstDot > 0 ? "*" + hostName[firstDot..] : null;
        var exact = entries.Where(i => i.Names.Contains(hostName, StringComparer.Ordinal)).ToList();
        var underWildcard = wildcard is null ? [] : entries.Where(i => !exact.Contains(i) && i.Names.Contains(wildcard, StringComparer.Ordinal)).ToList();
        bool wildcardUsed = underWildcard.Contains(forEcdsa!) || underWildcard.Contains(forRsa!);
        IEnumerable<StoredCertificateInfo> shown = wildcardUsed || exact.Count == 0 ? exact.Concat(underWildcard) : exact;

        return shown.Select(info => new ServingEntry(info,
            (exact.Contains(info) ? $"{hostName} (exact name)" : $"{hostName} via {wildcard}") + ", " + Audience(info == forEcdsa, info == forRsa))).ToList();
    }

    private static string Audience(bool ecdsaClients, bool otherClients) => (ecdsaClients, otherClients) switch
    {
        (true, true) => "chosen now for every client",
        (true, false) => "chosen now for clients that accept ECDSA",
        (false, true) => "chosen now for clients that do not accept ECDSA",
        _ => "not chosen now (another certificate for the name is newer, valid, or of the client's key family)",
    };

    /// <summary>The map never materialises an entry during a look-up; this source is never asked.</summary>
    private sealed class ListingOnly : ICertificateMaterialSource
    {
        public static ListingOnly Instance { get; } = new();

        public ValueTask<CertificateMaterial> LoadAsync(CertificateEntry entry, CancellationToken cancellationToken) => throw new NotSupportedException("certs show never serves a certificate");

        public CertificateMaterial Load(CertificateEntry entry) => throw new NotSupportedException("certs show never serves a certificate");
    }
}
