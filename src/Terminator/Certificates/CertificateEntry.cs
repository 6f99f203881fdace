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
    private const int WarnedNotYetValid = 1;
    private const int WarnedExpired = 2;

    /// <summary>Room on the stack for a source path that is only compared or hashed; longer ones are allocated.</summary>
    internal const int SourceBufferLength = 512;

    private readonly CertificateMaterial? _pinned;
    private readonly ICertificateMaterialSource? _source;

    /// <summary>The one name (a string) or the names (a string[]): see <see cref="CertificateNameList"/>.</summary>
    private readonly object _names;

    /// <summary>The source path or label, or null when <see cref="_source"/> writes it from the entry
    /// (<see cref="ICertificateSourceNaming"/>, with <see cref="_sourceTag"/>): a store entry holds no path string.</summary>
    private readonly string? _sourcePath;
    private readonly uint _sourceTag;
    private int _warned;

    /// <summary>An entry over an already-loaded certificate (kept for the entry's lifetime; only the context is cached).</summary>
    internal CertificateEntry(
        X509Certificate2 leafWithKey,
        X509Certificate2Collection intermediates,
        IReadOnlyList<string> names,
        string source)
    {
        _pinned = new CertificateMaterial(leafWithKey, intermediates, names);
        _names = CertificateNameList.Pack(names);
        _sourcePath = source;
        NotBeforeTicks = leafWithKey.NotBefore.ToUniversalTime().Ticks;
        NotAfterTicks = leafWithKey.NotAfter.ToUniversalTime().Ticks;
        KeyAlgorithm = CertificateNames.DescribeKey(leafWithKey);
        Family = FamilyOf(KeyAlgorithm);
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
        _names = CertificateNameList.Pack(names);
        _sourcePath = source;
        NotBeforeTicks = notBefore.UtcTicks;
        NotAfterTicks = notAfter.UtcTicks;
        KeyAlgorithm = keyAlgorithm;
        Family = FamilyOf(keyAlgorithm);
    }

    /// <summary>A compact entry whose <see cref="Source"/> <paramref name="material"/> writes from the entry and
    /// <paramref name="sourceTag"/> (a store entry): no path string is held. The caller checks the result with
    /// <see cref="SourceEquals"/> and falls back to the other constructor when the path cannot be derived.</summary>
    internal CertificateEntry(
        IReadOnlyList<string> names,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        string keyAlgorithm,
        ICertificateSourceNaming material,
        uint sourceTag)
    {
        _source = material;
        _sourceTag = sourceTag;
        _names = CertificateNameList.Pack(names);
        NotBeforeTicks = notBefore.UtcTicks;
        NotAfterTicks = notAfter.UtcTicks;
        KeyAlgorithm = keyAlgorithm;
        Family = FamilyOf(keyAlgorithm);
    }

    /// <summary>Lower-case SAN DNS names ("click.shop.com", "*.shop.com"). Never taken from the file name or CN.</summary>
    /// <remarks>A struct over the one name or the array the entry holds: indexing and <c>foreach</c> allocate nothing.</remarks>
    public CertificateNameList Names => new(_names);

    /// <summary>The leaf certificate, with its private key. On a compact entry this loads it (synchronous file I/O):
    /// for the CLI and tests, never for the handshake path.</summary>
    public X509Certificate2 Certificate => (_pinned ?? MaterializeSync().Material).LeafWithKey;

    /// <summary>Intermediate certificates sent after the leaf (the root, if present in the file, is kept here too;
    /// the context decides what goes on the wire). Loads like <see cref="Certificate"/>.</summary>
    public X509Certificate2Collection Intermediates => (_pinned ?? MaterializeSync().Material).Intermediates;

    /// <summary>Start of the leaf's validity period (UTC).</summary>
    public DateTimeOffset NotBefore => new(NotBeforeTicks, TimeSpan.Zero);

    /// <summary>End of the leaf's validity period (UTC).</summary>
    public DateTimeOffset NotAfter => new(NotAfterTicks, TimeSpan.Zero);

    /// <summary><see cref="NotBefore"/> as UTC ticks: what selection compares on every handshake.</summary>
    internal long NotBeforeTicks { get; }

    /// <summary><see cref="NotAfter"/> as UTC ticks.</summary>
    internal long NotAfterTicks { get; }

    /// <summary>The key family, from <see cref="KeyAlgorithm"/>: what selection matches against the client.</summary>
    internal CertificateKeyFamily Family { get; }

    /// <summary>The file the entry was loaded from (or the caller's label for <see cref="CertificateLoader.LoadPem"/>).</summary>
    /// <remarks>Written on demand for a store entry (a new string each time): for logs, file reads and tools. Comparisons
    /// and hashing go through <see cref="SourceEquals"/>, <see cref="HasSameSource"/>, <see cref="CompareSources"/> and
    /// <see cref="GetSourceHashCode"/>, which allocate nothing.</remarks>
    public string Source => _sourcePath ?? FormatSource();

    /// <summary>True when <see cref="Source"/> is <paramref name="path"/> (ordinal), without allocating.</summary>
    internal bool SourceEquals(ReadOnlySpan<char> path)
    {
        if (_sourcePath is not null)
        {
            return path.SequenceEqual(_sourcePath);
        }

        Span<char> buffer = stackalloc char[SourceBufferLength];
        return path.SequenceEqual(SourceChars(buffer));
    }

    /// <summary>True when both entries have the same <see cref="Source"/> (a reload of one file or store entry).</summary>
    internal bool HasSameSource(CertificateEntry other)
    {
        if (other._sourcePath is not null)
        {
            return SourceEquals(other._sourcePath);
        }

        Span<char> buffer = stackalloc char[SourceBufferLength];
        return SourceEquals(other.SourceChars(buffer));
    }

    /// <summary><see cref="string.CompareOrdinal(string, string)"/> of the two entries' <see cref="Source"/>s.</summary>
    internal static int CompareSources(CertificateEntry x, CertificateEntry y)
    {
        if (x._sourcePath is not null && y._sourcePath is not null)
        {
            return string.CompareOrdinal(x._sourcePath, y._sourcePath);
        }

        Span<char> xBuffer = stackalloc char[SourceBufferLength];
        Span<char> yBuffer = stackalloc char[SourceBufferLength];
        return Math.Sign(x.SourceChars(xBuffer).SequenceCompareTo(y.SourceChars(yBuffer)));
    }

    /// <summary>The hash of <see cref="Source"/> that <see cref="string.GetHashCode(ReadOnlySpan{char})"/> gives for the
    /// same characters, so a table keyed by entries can be probed with a path.</summary>
    internal int GetSourceHashCode()
    {
        if (_sourcePath is not null)
        {
            return string.GetHashCode(_sourcePath.AsSpan());
        }

        Span<char> buffer = stackalloc char[SourceBufferLength];
        return string.GetHashCode(SourceChars(buffer));
    }

    /// <summary><see cref="Source"/>'s characters: the held string, or written into <paramref name="buffer"/> (or, when it
    /// does not fit, a new string).</summary>
    internal ReadOnlySpan<char> SourceChars(Span<char> buffer)
    {
        if (_sourcePath is not null)
        {
            return _sourcePath;
        }

        int written = ((ICertificateSourceNaming)_source!).WriteSource(this, _sourceTag, buffer);
        return written >= 0 ? buffer[..written] : FormatSource();
    }

    private string FormatSource()
    {
        var naming = (ICertificateSourceNaming)_source!;
        for (int length = SourceBufferLength * 2; length <= 1 << 16; length *= 2)
        {
            char[] buffer = new char[length];
            int written = naming.WriteSource(this, _sourceTag, buffer);
            if (written >= 0)
            {
                return new string(buffer, 0, written);
            }
        }

        throw new InvalidOperationException("source path longer than 64K characters");
    }

    /// <summary>Leaf key algorithm, e.g. "ECDSA P-256" or "RSA 2048".</summary>
    public string KeyAlgorithm { get; }

    /// <inheritdoc />
    public bool IsEcdsa => Family == CertificateKeyFamily.Ecdsa;

    /// <inheritdoc />
    public bool Covers(ReadOnlySpan<byte> hostName)
    {
        // The single-name case reads the string the entry holds: no array, no enumerator, on every request's Host check.
        if (_names is string one)
        {
            return CertificateNames.Covers(one, hostName);
        }

        foreach (string name in (string[])_names)
        {
            if (CertificateNames.Covers(name, hostName))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="now"/> lies outside [<see cref="NotBefore"/>, <see cref="NotAfter"/>].</summary>
    public bool IsExpiredAt(DateTimeOffset now) => !IsValidAt(now.UtcTicks);

    /// <summary>Inclusive on both ends, like RFC 5280 §4.1.2.5.</summary>
    internal bool IsValidAt(long utcTicks) => utcTicks >= NotBeforeTicks && utcTicks <= NotAfterTicks;

    /// <summary>True the first time this entry is served while expired (or, separately, while not yet valid), whichever
    /// of its names and whichever choice it was found in: the "served outside its validity period" warning is written
    /// once per certificate, not once per name or per handshake.</summary>
    internal bool TryMarkWarned(long utcTicks)
    {
        int flag = utcTicks > NotAfterTicks ? WarnedExpired : WarnedNotYetValid;
        return (Interlocked.Or(ref _warned, flag) & flag) == 0;
    }

    /// <summary>
    /// Family from the key description the loader already computed ("ECDSA P-256", "RSA 2048"; see
    /// <see cref="CertificateNames.DescribeKey"/>), so no key is parsed here. The loader accepts only ECDSA and RSA keys.
    /// </summary>
    internal static CertificateKeyFamily FamilyOf(string keyAlgorithm) =>
        keyAlgorithm.StartsWith("ECDSA", StringComparison.Ordinal) ? CertificateKeyFamily.Ecdsa : CertificateKeyFamily.Rsa;

    /// <inheritdoc />
    public override string ToString() => $"{Source} [{string.Join(", ", Names)}] {KeyAlgorithm} until {NotAfter:u}";
}
