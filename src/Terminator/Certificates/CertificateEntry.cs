using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Terminator.Tls;

namespace Terminator.Certificates;

/// <summary>
/// One certificate as the SNI index sees it: the names it serves, its validity and where its material lives. The
/// heavy part — the leaf with its private key, the <see cref="SslStreamCertificateContext"/> and the
/// <see cref="SslServerAuthenticationOptions"/> — is materialised on the entry's first handshake
/// (<see cref="GetServerOptionsAsync"/>) and kept in a bounded <see cref="CertificateContextCache"/>, so a million
/// names cost a million small descriptors, not a million contexts. Create entries with <see cref="CertificateLoader"/>
/// or the certificate store.
/// </summary>
/// <remarks>
/// Two kinds: entries built from a loaded certificate (the CLI, the demo, <see cref="CertificateLoader.LoadPem"/>)
/// keep that certificate and only cache the context; compact entries (the store, the PEM folder) reload from disk
/// through their <see cref="ICertificateMaterialSource"/> after an eviction.
/// </remarks>
internal sealed partial class CertificateEntry : ITlsServerCertificate
{
    private readonly CertificateMaterial? _pinned;
    private readonly ICertificateMaterialSource? _source;

    /// <summary>An entry over an already-loaded certificate (kept for the entry's lifetime; only the context is cached).</summary>
    internal CertificateEntry(
        X509Certificate2 leafWithKey,
        X509Certificate2Collection intermediates,
        IReadOnlyList<string> names,
        string source)
    {
        _pinned = new CertificateMaterial(leafWithKey, intermediates, names);
        Names = names;
        Source = source;
        NotBefore = new DateTimeOffset(leafWithKey.NotBefore.ToUniversalTime());
        NotAfter = new DateTimeOffset(leafWithKey.NotAfter.ToUniversalTime());
        KeyAlgorithm = CertificateNames.DescribeKey(leafWithKey);
        _ocspResponder = FindOcspResponder(leafWithKey);
    }

    /// <summary>A compact entry: metadata only; <paramref name="material"/> loads the certificate and key when needed.</summary>
    /// <param name="cache">The cache to join at once (tests); otherwise the entry joins its map's cache when added.</param>
    /// <param name="ocspResponder">The leaf's OCSP responder when the loader already parsed the leaf (the PEM folder),
    /// else null: the store's index does not parse certificates, so it is found on first materialisation.</param>
    internal CertificateEntry(
        IReadOnlyList<string> names,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        string keyAlgorithm,
        string source,
        ICertificateMaterialSource material,
        CertificateContextCache? cache = null,
        string? ocspResponder = null)
    {
        _ocspResponder = ocspResponder;
        _source = material;
        _cache = cache;
        Names = names;
        Source = source;
        NotBefore = notBefore;
        NotAfter = notAfter;
        KeyAlgorithm = keyAlgorithm;
    }

    /// <summary>Lower-case SAN DNS names ("click.shop.com", "*.shop.com"). Never taken from the file name or CN.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The leaf certificate, with its private key. On a compact entry this loads it (synchronous file I/O):
    /// for the CLI and tests, never for the handshake path.</summary>
    public X509Certificate2 Certificate => (_pinned ?? MaterializeSync().Material).LeafWithKey;

    /// <summary>Intermediate certificates sent after the leaf (the root, if present in the file, is kept here too;
    /// the context decides what goes on the wire). Loads like <see cref="Certificate"/>.</summary>
    public X509Certificate2Collection Intermediates => (_pinned ?? MaterializeSync().Material).Intermediates;

    /// <summary>Start of the leaf's validity period (UTC).</summary>
    public DateTimeOffset NotBefore { get; }

    /// <summary>End of the leaf's validity period (UTC).</summary>
    public DateTimeOffset NotAfter { get; }

    /// <summary>The file the entry was loaded from (or the caller's label for <see cref="CertificateLoader.LoadPem"/>).</summary>
    public string Source { get; }

    /// <summary>Leaf key algorithm, e.g. "ECDSA P-256" or "RSA 2048".</summary>
    public string KeyAlgorithm { get; }

    /// <inheritdoc />
    public bool IsEcdsa => CertificateCandidate.FamilyOf(KeyAlgorithm) == CertificateKeyFamily.Ecdsa;

    /// <inheritdoc />
    public bool Covers(ReadOnlySpan<byte> hostName)
    {
        // Indexed, not foreach: Names is an interface, whose enumerator would be boxed on every request's Host check.
        IReadOnlyList<string> names = Names;
        for (int i = 0; i < names.Count; i++)
        {
            if (CertificateNames.Covers(names[i], hostName))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="now"/> lies outside [<see cref="NotBefore"/>, <see cref="NotAfter"/>].</summary>
    public bool IsExpiredAt(DateTimeOffset now) => now > NotAfter || now < NotBefore;

    /// <inheritdoc />
    public override string ToString() => $"{Source} [{string.Join(", ", Names)}] {KeyAlgorithm} until {NotAfter:u}";
}
