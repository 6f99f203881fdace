using System.Collections.Concurrent;
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
        }
    }

    /// <summary>The store directory (absolute).</summary>
    public string Directory { get; }

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
    public ValueTask<CertificateStoreListing> ListAsync(CancellationToken cancellationToken = default)
    {
        var entries = new List<StoredCertificateInfo>();
        var problems = new List<CertificateStoreProblem>();
        foreach (string path in EnumerateEntryFiles(Directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryRead(path, wantKey: false, out StoredCertificateInfo? info, out _, out CertificateStoreProblem? problem))
            {
                entries.Add(info);
            }
            else
            {
                problems.Add(problem);
            }
        }

        entries.Sort(static (x, y) => x.NotAfter != y.NotAfter ? x.NotAfter.CompareTo(y.NotAfter) : string.CompareOrdinal(x.Id, y.Id));
        return ValueTask.FromResult(new CertificateStoreListing(entries, problems));
    }

    /// <summary>Entry files present now (sorted; hidden temp files of interrupted writes excluded).</summary>
    public List<string> ListEntryFiles() =>
        System.IO.Directory.Exists(Directory) ? EnumerateEntryFiles(Directory).ToList() : [];

    /// <summary>Authenticates the entry at <paramref name="path"/> and returns its compact index entry (the key and
    /// chain are loaded on its first handshake).</summary>
    /// <exception cref="CertificateLoadException">The entry is broken, tampered with or sealed with another key
    /// (<see cref="CertificateLoadException.AuthenticationFailed"/>); the message says why.</exception>
    public CertificateEntry LoadFile(string path)
    {
        if (!TryIndexEntry(path, out CertificateEntry? entry, out CertificateStoreProblem? problem, out _))
        {
            throw new CertificateLoadException(path, problem.Reason) { AuthenticationFailed = problem.AuthenticationFailed };
        }

        return entry;
    }

    /// <inheritdoc />
    public ValueTask<CertificateEntry?> LoadAsync(string id, CancellationToken cancellationToken = default)
    {
        string path = PathFor(id);
        if (!File.Exists(path))
        {
            return ValueTask.FromResult<CertificateEntry?>(null);
        }

        if (!TryLoadEntry(path, out CertificateEntry? entry, out CertificateStoreProblem? problem, out _))
        {
            throw new CertificateLoadException(path, problem.Reason);
        }

        return ValueTask.FromResult<CertificateEntry?>(entry);
    }

    /// <inheritdoc />
    /// <remarks>Entries come back compact: names and dates from the authenticated header, no certificate parsed and no
    /// key imported; each is materialised from its file on its first handshake (<see cref="CertificateEntry.GetServerOptionsAsync"/>).</remarks>
    public async ValueTask<CertificateStoreLoadResult> LoadAllAsync(CancellationToken cancellationToken = default)
    {
        List<string> paths = EnumerateEntryFiles(Directory).ToList();
        var entries = new ConcurrentBag<CertificateEntry>();
        var problems = new ConcurrentBag<CertificateStoreProblem>();
        int authenticated = 0;

        // Each entry is a file read plus an AES-GCM check (microseconds): spread across cores anyway, since a million
        // entries is still tens of seconds of work on one.
        await Parallel.ForEachAsync(
            paths,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            (path, _) =>
            {
                if (TryIndexEntry(path, out CertificateEntry? entry, out CertificateStoreProblem? problem, out bool authentic))
                {
                    entries.Add(entry);
                }
                else
                {
                    problems.Add(problem);
                }

                if (authentic)
                {
                    Interlocked.Increment(ref authenticated);
                }

                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);

        var entryList = entries.ToList();
        entryList.Sort(CertificateMap.CompareByExpiry);
        var problemList = problems.OrderBy(p => p.Location, StringComparer.Ordinal).ToList();
        return new CertificateStoreLoadResult(entryList, problemList, authenticated);
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

        return ValueTask.FromResult(info);
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(AtomicFile.Delete(PathFor(id)));
    }

    /// <inheritdoc />
    public override string ToString() => $"directory store {Directory}";

    private static IEnumerable<string> EnumerateEntryFiles(string directory) =>
        System.IO.Directory.EnumerateFiles(directory, "*" + FileExtension)
            .Where(static p => !Path.GetFileName(p).StartsWith('.'))
            .Order(StringComparer.Ordinal);
}
