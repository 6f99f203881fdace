using System.IO.Enumeration;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.Certificates;
using Terminator.Configuration;

namespace Terminator.Storage;

/// <summary>
/// The embedded <see cref="ICertificateStore"/>: one file per entry, <c>&lt;dir&gt;/&lt;id&gt;.tcert</c>, in the format
/// documented on <see cref="StoreEntryFormat"/> (chain in clear, private key AES-256-GCM encrypted, identity
/// authenticated). Writes are atomic (<see cref="AtomicFile"/>). Hidden files (leading '.', e.g. temp files of an
/// interrupted write) and other extensions are ignored. Safe to share between processes: the CLI writes while the
/// daemon reads.
/// </summary>
internal sealed partial class DirectoryCertificateStore : ICertificateStore
{
    /// <summary>Extension of entry files.</summary>
    public const string FileExtension = ".tcert";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly StoreKey _key;
    private readonly StoreEntryMaterialSource _materialSource;

    /// <summary>Opens the store at <paramref name="directory"/>, creating it with mode 700 when missing.</summary>
    /// <exception cref="IOException">The directory cannot be created.</exception>
    public DirectoryCertificateStore(string directory, StoreKey key)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(key);
        Directory = Path.GetFullPath(directory);
        _key = key;
        _materialSource = new StoreEntryMaterialSource(this);
        if (!System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.CreateDirectory(Directory, OwnerOnly);
            FileOwnership.MatchParent(Directory);
        }

        Index = new StoreIndexFile(Directory, key);
    }

    /// <summary>The index next to the entries (a start-up cache; see <see cref="StoreIndexFile"/>).</summary>
    internal StoreIndexFile Index { get; }

    /// <summary>The store directory (absolute).</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public string Location => Directory;

    /// <summary>Number of entry files present, authenticated or not (cheap: no decryption).</summary>
    public static int CountEntryFiles(string directory) =>
        System.IO.Directory.Exists(directory) ? EnumerateEntryFiles(directory).Count() : 0;

    /// <summary>The file an id is stored in.</summary>
    public string PathFor(string id)
    {
        if (!CertificateStoreId.IsValid(id))
        {
            throw new ArgumentException($"'{id}' is not a store id.", nameof(id));
        }

        return Path.Combine(Directory, id + FileExtension);
    }

    /// <inheritdoc />
    public bool TryGetId(string source, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? id)
    {
        id = null;
        if (!source.EndsWith(FileExtension, StringComparison.Ordinal)
            || !string.Equals(Path.GetDirectoryName(Path.GetFullPath(source)), Directory, StringComparison.Ordinal))
        {
            return false;
        }

        string candidate = Path.GetFileNameWithoutExtension(source);
        if (!CertificateStoreId.IsValid(candidate))
        {
            return false;
        }

        id = candidate;
        return true;
    }

    /// <inheritdoc />
    public ValueTask<CertificateStoreListing> ListAsync(CancellationToken cancellationToken = default)
    {
        var entries = new List<StoredCertificateInfo>();
        var problems = new List<CertificateStoreProblem>();
        foreach (string path in SortedEntryFiles(Directory)) // a store directory deleted since it was opened is an error
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryRead(path, wantKey: false, out StoredCertificateInfo? info, out _, out CertificateStoreProblem? problem))
            {
                entries.Add(info);
            }
            else
            {
                // The id the file name claims (unauthenticated): all an operator has to remove an unreadable entry by.
                string claimed = Path.GetFileNameWithoutExtension(path);
                problems.Add(problem with { Id = CertificateStoreId.IsValid(claimed) ? claimed : null });
            }
        }

        entries.Sort(static (x, y) => x.NotAfter != y.NotAfter ? x.NotAfter.CompareTo(y.NotAfter) : string.CompareOrdinal(x.Id, y.Id));
        return ValueTask.FromResult(new CertificateStoreListing(entries, problems));
    }

    /// <summary>Entry files present now (sorted; hidden temp files of interrupted writes excluded).</summary>
    public List<string> ListEntryFiles() => System.IO.Directory.Exists(Directory) ? SortedEntryFiles(Directory) : [];

    /// <exception cref="DirectoryNotFoundException">The store directory is gone.</exception>
    private static List<string> SortedEntryFiles(string directory)
    {
        // List.Sort rather than LINQ's Order: 0.83 s instead of 1.37 s for a million paths on one core (2026-12-05).
        var paths = new List<string>(EnumerateEntryFiles(directory));
        paths.Sort(StringComparer.Ordinal);
        return paths;
    }

    /// <summary>Authenticates the entry at <paramref name="path"/> and returns its compact index entry (the key and
    /// chain are loaded on its first handshake).</summary>
    /// <exception cref="IOException">The file cannot be read now (gone, out of descriptors): nothing is known about
    /// its content.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened (permissions).</exception>
    /// <exception cref="CertificateLoadException">The file was read and its content cannot be served: broken,
    /// tampered with or sealed with another key (<see cref="CertificateLoadException.AuthenticationFailed"/>); the
    /// message says why.</exception>
    public CertificateEntry LoadFile(string path)
    {
        // Read here, not in TryIndexEntry, so that "cannot read it now" stays an exception the watcher can tell from
        // "read it, and it is bad": only the second means the entry must stop being served.
        byte[] file = File.ReadAllBytes(path);
        if (!TryIndexEntry(path, file, out CertificateEntry? entry, out CertificateStoreProblem? problem))
        {
            throw new CertificateLoadException(path, problem.Reason) { AuthenticationFailed = problem.AuthenticationFailed };
        }

        return entry;
    }

    /// <inheritdoc />
    public ValueTask<StoredCertificateInfo> PutAsync(CertificateEntry certificate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        cancellationToken.ThrowIfCancellationRequested();
        string id = CertificateStoreId.For(certificate);
        string path = PathFor(id);
        // Millisecond precision, as stored: the returned info equals what a later ListAsync reads back.
        DateTimeOffset now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        DateTimeOffset created = File.Exists(path) && TryRead(path, wantKey: false, out StoredCertificateInfo? old, out _, out _)
            ? old.Created
            : now;
        var info = new StoredCertificateInfo(id, certificate.Names, certificate.KeyAlgorithm, certificate.NotBefore,
            certificate.NotAfter, created, now, ChainPem(certificate), path);

        byte[] pkcs8 = ExportPkcs8(certificate.Certificate);
        try
        {
            AtomicFile.Write(path, StoreEntryFormat.Seal(info, pkcs8, _key));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }

        // After the rename, so the record names the file version a reader will find. A crash between the two costs
        // the daemon one read of this entry at its next start; a failed append costs the same, so it is not an error.
        FileVersion written = FileVersion.Of(path);
        if (written.Exists)
        {
            try
            {
                Index.Append([Index.Encode(new StoreIndexRecord(id, written, [.. info.Names],
                    info.NotBefore.ToUnixTimeMilliseconds(), info.NotAfter.ToUnixTimeMilliseconds(), info.KeyType))]);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The index is a cache: the daemon reads this entry from its file and appends the record itself.
            }
        }

        return ValueTask.FromResult(info);
    }

    /// <inheritdoc />
    /// <remarks>Deletes the file whatever it holds: an entry that no longer authenticates can be removed by the id its
    /// file name carries.</remarks>
    public ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(AtomicFile.Delete(PathFor(id)));
    }

    /// <inheritdoc />
    public override string ToString() => $"directory store {Directory}";

    /// <summary>Entry files in directory order. The predicate looks at the name the kernel returned, before a path string
    /// exists (0.65 s for a million against 0.95 s through <c>Directory.EnumerateFiles</c> and its pattern match).</summary>
    private static FileSystemEnumerable<string> EnumerateEntryFiles(string directory) =>
        new(directory, static (ref FileSystemEntry entry) => entry.ToFullPath(), ListingOptions)
        {
            ShouldIncludePredicate = static (ref FileSystemEntry entry) =>
                !entry.IsDirectory && !entry.FileName.StartsWith('.') && entry.FileName.EndsWith(FileExtension, StringComparison.Ordinal),
        };

    /// <summary>What <c>Directory.EnumerateFiles(dir, pattern)</c> used: hidden names are skipped by the predicate, and an
    /// unreadable folder is an error, not an empty store.</summary>
    private static readonly EnumerationOptions ListingOptions = new() { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false };
}
