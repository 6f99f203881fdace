using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Terminator.Certificates;

namespace Terminator.Storage;

/// <summary>The encrypted store's entry files, for <see cref="CertificateDirectoryWatcher"/>: an import, renewal or
/// removal by <c>terminator certs</c> (or another writer sharing the folder) reaches new handshakes without a signal.
/// Writes are write-then-rename (<see cref="AtomicFile"/>), so the watcher never sees half an entry.</summary>
/// <remarks>
/// Entries are indexed from the store index (<see cref="StoreIndexFile"/>) when it holds a record for the entry's exact
/// file version (size, mtime, ctime, inode), so start-up stats a million files instead of reading and decrypting them;
/// any other entry is read and authenticated from its file as before, and its record appended. The first full scan
/// rewrites the index when it was missing, damaged, written under another key or mostly stale. Records read are kept
/// only for the duration of one rescan.
/// </remarks>
internal sealed class StoreCertificateFileSet(DirectoryCertificateStore store, ILogger? log = null) : ICertificateFileSet
{
    /// <summary>Rewrite the index at start-up when it holds more than this many records per entry file (renewals and
    /// re-imports append; nothing removes).</summary>
    private const int MaxRecordsPerEntry = 2;

    /// <summary>Fewer bytes than a record with one name takes, so a dictionary sized by it rarely grows.</summary>
    private const int ApproximateRecordBytes = 128;

    /// <summary>Bounds the presizing (a slot is ~90 bytes): an index with stale records (up to two per entry before it is
    /// rewritten) or one written under another key would otherwise size a table for records that are not entries.</summary>
    private const int MaxPresizedRecords = 2 * 1024 * 1024;

    private readonly ILogger _log = log ?? NullLogger.Instance;
    private readonly Lock _gate = new();
    private readonly StoreIndexFile _index = store.Index;

    // Rescans never overlap (the watcher serialises them); Load runs in parallel within one, hence the lock for lists.
    private Dictionary<string, StoreIndexRecord>? _records;
    private IndexRead? _prefetched;
    private long _prefetchStarted;
    private Dictionary<string, StoreIndexRecord>.AlternateLookup<ReadOnlySpan<char>> _recordLookup;
    private long _indexEnd;
    private FileVersion _indexRead = FileVersion.Missing;
    private bool _scannedOnce;
    private bool _rewrite;
    private int _listed;
    private int _recordsRead;
    private int _fromIndex;
    private int _fromFiles;
    private long _loadsStarted;
    private List<byte[]> _toWrite = [];
    private string? _damage;
    private long _readMs;

    /// <summary>Entries the last rescan took from the index, and read from their files (tests, the log line).</summary>
    internal (int FromIndex, int FromFiles) LastLoads => (_fromIndex, _fromFiles);

    /// <inheritdoc />
    public string Directory => store.Directory;

    /// <inheritdoc />
    public bool IncludeSubdirectories => false;

    /// <summary>Entries are renamed into place whole (<see cref="AtomicFile"/>), so there is nothing to wait for but a
    /// burst of imports; a short pause still batches those.</summary>
    public TimeSpan Debounce => TimeSpan.FromMilliseconds(10);

    /// <summary>True: an entry is one file, renamed into place whole, so an entry file that was read and fails to
    /// authenticate or parse is what the store now holds (tampering, a foreign key, a non-atomic writer), not a write
    /// caught half-way. Serving the previous version would fail every handshake that has to load it.</summary>
    public bool FailedLoadIsFinal => true;

    /// <inheritdoc />
    public bool TryMapChange(string changedPath, out string? candidate)
    {
        candidate = null;
        if (!string.Equals(Path.GetDirectoryName(changedPath), store.Directory, StringComparison.Ordinal))
        {
            return false; // the folder itself moved or something odd happened: look at everything
        }

        string name = Path.GetFileName(changedPath);
        if (name.StartsWith('.') || !name.EndsWith(DirectoryCertificateStore.FileExtension, StringComparison.Ordinal))
        {
            return true; // temp file of an atomic write, the index, or not an entry
        }

        candidate = changedPath;
        return true;
    }

    /// <inheritdoc />
    public List<string> FindFiles(List<CertificateLoadError> errors)
    {
        _prefetched = null;
        if (_scannedOnce)
        {
            List<string> listed = store.ListEntryFiles();
            _listed = listed.Count;
            return listed;
        }

        // The first scan reads the whole index while the directory is listed: on two cores a million entries are ready
        // ~1.5 s sooner; on one, Parallel.Invoke runs the two in turn. The listing's failure (an unreadable store
        // directory) is rethrown as itself for the watcher to report, not as an AggregateException.
        List<string> files = [];
        Exception? listingFailed = null;
        long started = Stopwatch.GetTimestamp();
        Parallel.Invoke(
            () =>
            {
                try
                {
                    files = store.ListEntryFiles();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    listingFailed = ex;
                }
            },
            () => _prefetched = ReadIndex());
        if (listingFailed is not null || files.Count == 0)
        {
            _prefetched = null; // nothing will be loaded: do not hold the records until the next scan
            if (listingFailed is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(listingFailed);
            }
        }

        _prefetchStarted = started;
        _listed = files.Count;
        return files;
    }

    /// <summary>Every write-then-rename and every removal in the store changes its directory: while this is unchanged,
    /// the entry set is too.</summary>
    public FileVersion? ProbeFolder() => FileVersion.Of(store.Directory);

    /// <inheritdoc />
    public CertificateEntry Load(string path, out string? companionPath) => Load(path, FileVersion.Of(path), out companionPath);

    /// <inheritdoc />
    public CertificateEntry Load(string path, FileVersion version, out string? companionPath)
    {
        companionPath = null;
        // The id as a span of the path: a million start-up lookups allocate neither the file name nor the id.
        ReadOnlySpan<char> id = Path.GetFileName(path.AsSpan());
        id = id[..^DirectoryCertificateStore.FileExtension.Length];
        if (_records is not null && version.Exists && _recordLookup.TryGetValue(id, out StoreIndexRecord record) && record.File == version)
        {
            Interlocked.Increment(ref _fromIndex);
            if (_rewrite)
            {
                Collect(_index.Encode(record));
            }

            // Names and dates as the index has them; the entry is authenticated from its file when materialised, and
            // refused there if the file's authenticated names are not these (DirectoryCertificateStore.OpenMaterial).
            return store.EntryFromIndex(path, record);
        }

        Interlocked.Increment(ref _fromFiles);
        CertificateEntry entry = store.LoadFile(path);
        string idString = id.ToString();
        if (version.Exists && CertificateStoreId.IsValid(idString))
        {
            Collect(_index.Encode(StoreIndexRecord.For(idString, version, entry)));
        }

        return entry;
    }

    /// <inheritdoc />
    public void BeginLoads(bool fullScan)
    {
        _fromIndex = _fromFiles = 0;
        _toWrite = [];
        bool usePrefetched = _prefetched is { } prefetched && prefetched.Version == FileVersion.Of(_index.Path);
        // Timed from the listing when the index was read beside it, so the log's total still includes the index read.
        _loadsStarted = usePrefetched ? _prefetchStarted : Stopwatch.GetTimestamp();
        IndexRead index = usePrefetched ? _prefetched! : ReadIndex();
        _prefetched = null;
        StoreIndexFile.ReadResult read = index.Result;
        Dictionary<string, StoreIndexRecord> records = index.Records;
        _indexEnd = read.End;
        _indexRead = index.Version;
        _recordsRead = read.Records;
        _readMs = index.Milliseconds;
        _rewrite = false;
        if (fullScan && !_scannedOnce)
        {
            // Only the first full scan loads every entry, so only it can write a complete index.
            _rewrite = read.Damaged || read.Records > MaxRecordsPerEntry * Math.Max(_listed, 1);
            _damage = read.Foreign ? "for another key or format" : read.Corrupt ? "corrupt" : read.Incomplete && !read.Missing ? "torn at its end" : null;
        }

        _recordLookup = records.GetAlternateLookup<ReadOnlySpan<char>>();
        _records = records;
    }

    /// <summary>The index's records from where the last read ended, or all of them when the file was replaced (a
    /// rewrite by another daemon), shrank, or was never read.</summary>
    private IndexRead ReadIndex()
    {
        long started = Stopwatch.GetTimestamp();
        FileVersion current = FileVersion.Of(_index.Path);
        bool replaced = current.Inode != _indexRead.Inode || current.Length < _indexEnd || !_scannedOnce;
        // Sized from the file for a whole read (a record is ~150 bytes): a million records grown by doubling copied the
        // table twenty times over.
        int expected = replaced && current.Exists ? (int)Math.Min(current.Length / ApproximateRecordBytes, MaxPresizedRecords) : 0;
        var records = new Dictionary<string, StoreIndexRecord>(expected, StringComparer.Ordinal);
        StoreIndexFile.ReadResult read = _index.Read(replaced ? 0 : _indexEnd, records);
        return new IndexRead(current, records, read, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <inheritdoc />
    public void EndLoads(bool fullScan)
    {
        List<byte[]> toWrite = _toWrite;
        bool rewrite = _rewrite;
        _records = null; // a million records are start-up garbage, not something to keep
        _recordLookup = default;
        _toWrite = [];
        _rewrite = false;
        // Nothing loaded means a wrong key (or an empty store): the daemon says so in one line, and an index written
        // under the right key is then "foreign" for a reason that is not the index's.
        bool loaded = _fromIndex > 0 || toWrite.Count > 0; // toWrite holds a record per entry read and authenticated
        if (_damage is not null && loaded)
        {
            StoreIndexLog.Damaged(_log, _index.Path, _damage);
        }

        _damage = null;
        if (fullScan && loaded)
        {
            StoreIndexLog.Used(_log, _index.Path, _fromIndex, _fromFiles, (long)Stopwatch.GetElapsedTime(_loadsStarted).TotalMilliseconds, _recordsRead, _readMs);
        }

        if (fullScan && !_scannedOnce)
        {
            _scannedOnce = true;
        }

        if (toWrite.Count == 0)
        {
            return; // nothing loaded (a wrong key): never replace an index with an empty one
        }

        long started = Stopwatch.GetTimestamp();
        try
        {
            if (rewrite)
            {
                _index.Rewrite(toWrite);
                StoreIndexLog.Rewritten(_log, _index.Path, toWrite.Count, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                FileVersion written = FileVersion.Of(_index.Path);
                _indexRead = written;
                _indexEnd = written.Length;
            }
            else
            {
                _index.Append(toWrite);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            StoreIndexLog.WriteFailed(_log, _index.Path, ex.Message);
        }
    }

    private void Collect(byte[] record)
    {
        lock (_gate)
        {
            _toWrite.Add(record);
        }
    }

    /// <summary>One read of the index: the file as it was probed before the read, and what the read found.</summary>
    private sealed record IndexRead(FileVersion Version, Dictionary<string, StoreIndexRecord> Records, StoreIndexFile.ReadResult Result, long Milliseconds);
}
