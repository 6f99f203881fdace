using System.Collections.Concurrent;
using System.Diagnostics;
using Terminator.Diagnostics;

namespace Terminator.Certificates;

/// <summary>
/// Keeps a <see cref="CertificateMap"/> in step with a certificate folder (<see cref="ICertificateFileSet"/>: a PEM
/// folder or the encrypted store) while the server runs: file-system
/// notifications (debounced), a periodic rescan as the safety net (notifications can be lost: inotify queue overflow,
/// network file systems), and <see cref="ForceRescanAsync"/> for SIGHUP. Each rescan only reloads files whose fingerprint
/// (resolved path, size, modification time of the certificate and of its key) changed, so a renewal among 10,000
/// certificates costs one load, not 10,000.
/// </summary>
/// <remarks>
/// Replacement order is Set(new) then Remove(old): Set swaps the new certificate in for the old one (same source path)
/// on every name it carries, atomically per name, and Remove then drops the old one from names only it carried, so no
/// name is ever briefly unknown. Other files' certificates for the same names (say the RSA twin of an ECDSA
/// certificate) are untouched by either step. A changed file that fails to load either leaves the previous certificate
/// serving (a PEM folder, where it may be a renewal caught half-way) or takes it out of the map as if the file had been
/// removed (a store entry, written whole, that no longer authenticates or parses); see
/// <see cref="ICertificateFileSet.FailedLoadIsFinal"/>. A failed store entry is logged once and not read again until it
/// changes (or SIGHUP); a failed PEM file is retried on every rescan but warned about again only when the file or the
/// reason changes (or on SIGHUP). A file that disappears from the directory is removed.
/// </remarks>
internal sealed class CertificateDirectoryWatcher : IDisposable
{
    private readonly ICertificateFileSet _files;
    private readonly string _directory;
    private readonly CertificateMap _map;
    private readonly TerminatorLog _log;
    private readonly SemaphoreSlim _rescanGate = new(1, 1);

    /// <summary>What is loaded, keyed by the entry itself and looked up by path (<see cref="LoadedFiles"/>): an entry's
    /// <see cref="CertificateEntry.Source"/> is the path it was loaded from, so the table holds no path string of its own
    /// and a store entry, which writes its path on demand, costs no path string at all.</summary>
    private readonly Dictionary<CertificateEntry, Loaded> _loaded = new(LoadedFiles.Instance);
    private readonly Dictionary<CertificateEntry, Loaded>.AlternateLookup<ReadOnlySpan<char>> _loadedByPath;

    /// <summary>Files that failed for good (<see cref="ICertificateFileSet.FailedLoadIsFinal"/>), with their fingerprint
    /// then: not loaded again until they change. Guarded by the <see cref="_loaded"/> lock.</summary>
    private readonly Dictionary<string, Fingerprint> _failed = new(StringComparer.Ordinal);

    /// <summary>Failures already warned about, by path, with the file version and reason then: a broken file is retried
    /// on every rescan (certbot may be half-way through a renewal) but warned about again only when it or the reason
    /// changes, or on SIGHUP. Only touched by a rescan, under <see cref="_rescanGate"/>.</summary>
    private readonly Dictionary<string, (Fingerprint Version, string Reason)> _reported = new(StringComparer.Ordinal);
    private readonly Timer _debounceTimer;
    private readonly Timer _periodicTimer;
    private readonly Lock _pendingLock = new();
    private HashSet<string> _pendingPaths = new(StringComparer.Ordinal);
    private bool _pendingFullRescan;
    private readonly FileProbe _probe;
    private readonly int _spotCheckBatch;
    private FileSystemWatcher? _watcher;
    private int _disposed;

    /// <summary>The folder version (<see cref="ICertificateFileSet.ProbeFolder"/>) the last full rescan started from,
    /// and whether it can be trusted: a version probed within <see cref="_racyWindow"/> (2 s) of its own timestamp may hide a
    /// second change made in the same timestamp granule, so the next tick rescans fully anyway.</summary>
    private ScannedFolder? _scannedFolder;

    /// <summary>Loaded entries in the order the spot check walks them (a snapshot, renewed once per full cycle).</summary>
    private CertificateEntry[]? _spotEntries;
    private int _spotNext;

    private static readonly TimeSpan DefaultRacyWindow = TimeSpan.FromSeconds(2);
    private readonly TimeSpan _racyWindow;

    /// <summary>Files re-stat'ed per periodic tick while the folder is unchanged: catches an entry rewritten in place
    /// whose notification was lost, at a cost that does not grow with the number of entries.</summary>
    internal const int DefaultSpotCheckBatch = 1024;

    /// <summary>Follows a read-only PEM folder.</summary>
    public CertificateDirectoryWatcher(string directory, CertificateMap map, TerminatorLog log, TimeSpan rescanInterval)
        : this(new PemCertificateFileSet(directory), map, log, rescanInterval)
    {
    }

    /// <summary>Follows <paramref name="files"/>.</summary>
    public CertificateDirectoryWatcher(ICertificateFileSet files, CertificateMap map, TerminatorLog log, TimeSpan rescanInterval)
        : this(files, map, log, rescanInterval, FileProbe.System, DefaultSpotCheckBatch, DefaultRacyWindow)
    {
    }

    /// <summary>Follows <paramref name="files"/>, stat'ing through <paramref name="probe"/> (tests count the calls).</summary>
    internal CertificateDirectoryWatcher(ICertificateFileSet files, CertificateMap map, TerminatorLog log, TimeSpan rescanInterval,
        FileProbe probe, int spotCheckBatch, TimeSpan racyWindow)
    {
        _racyWindow = racyWindow;
        _loadedByPath = _loaded.GetAlternateLookup<ReadOnlySpan<char>>();
        ArgumentNullException.ThrowIfNull(files);
        _files = files;
        _probe = probe;
        _spotCheckBatch = spotCheckBatch;
        _directory = files.Directory;
        _map = map;
        _log = log;
        _debounceTimer = new Timer(static s => _ = ((CertificateDirectoryWatcher)s!).ProcessPendingAsync(), this, Timeout.Infinite, Timeout.Infinite);
        _periodicTimer = new Timer(static s => _ = ((CertificateDirectoryWatcher)s!).PeriodicRescanAsync(), this, rescanInterval, rescanInterval);
    }

    /// <summary>Entries currently loaded from the directory.</summary>
    public int Count
    {
        get
        {
            lock (_loaded)
            {
                return _loaded.Count;
            }
        }
    }

    /// <summary>Starts file-system notifications (call after the initial <see cref="RescanAsync"/>).</summary>
    public void StartWatching()
    {
        var watcher = new FileSystemWatcher(_directory)
        {
            IncludeSubdirectories = _files.IncludeSubdirectories,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            InternalBufferSize = 64 * 1024,
        };
        watcher.Created += OnChanged;
        watcher.Changed += OnChanged;
        watcher.Deleted += OnChanged;
        watcher.Renamed += OnChanged;
        watcher.Error += (_, e) =>
        {
            CertificateLog.WatcherFailed(_log, _directory, e.GetException().Message);
            MarkPending(null);
        };
        watcher.EnableRaisingEvents = true;
        _watcher = watcher;
    }

    private void OnChanged(object? sender, FileSystemEventArgs e)
    {
        if (e is RenamedEventArgs renamed)
        {
            MarkPending(renamed.OldFullPath);
        }

        MarkPending(e.FullPath);
    }

    /// <summary>Records what a notification touched: one entry file when the file set can tell (the store: a change
    /// costs one load, not a scan of a million files), else a full rescan. Bursts (certbot writes four files, an
    /// import writes hundreds) collapse into one pass after the file set's debounce.</summary>
    private void MarkPending(string? changedPath)
    {
        lock (_pendingLock)
        {
            if (changedPath is null || !_files.TryMapChange(changedPath, out string? candidate))
            {
                _pendingFullRescan = true;
            }
            else if (candidate is not null)
            {
                _pendingPaths.Add(candidate);
            }
            else
            {
                return; // not a certificate file (a temp file of an atomic write, say)
            }
        }

        _debounceTimer.Change(_files.Debounce, Timeout.InfiniteTimeSpan);
    }

    private async Task ProcessPendingAsync()
    {
        HashSet<string> paths;
        bool full;
        lock (_pendingLock)
        {
            paths = _pendingPaths;
            full = _pendingFullRescan;
            _pendingPaths = new HashSet<string>(StringComparer.Ordinal);
            _pendingFullRescan = false;
        }

        if (full)
        {
            await RescanAsync().ConfigureAwait(false);
        }
        else if (paths.Count > 0)
        {
            await RescanAsync(logFailures: true, paths, retryFailed: false).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The safety net's tick. Where the file set can version its folder (the store) and the version is the one the last
    /// full rescan started from, nothing was added, replaced or removed by rename or unlink since, so instead of listing
    /// and stat'ing every file it re-stats the next <see cref="_spotCheckBatch"/> loaded files (an entry rewritten in
    /// place, its notification lost) and reloads those that changed: a tick costs the same for 100 entries or a million.
    /// Otherwise (a PEM folder, or the folder changed) it is a full <see cref="RescanAsync(bool)"/>.
    /// </summary>
    internal async Task<CertificateReloadResult> PeriodicRescanAsync()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return CertificateReloadResult.Empty;
        }

        FileVersion? folder = _files.ProbeFolder();
        ScannedFolder? scanned = Volatile.Read(ref _scannedFolder);
        if (folder is null || scanned is null || !scanned.Trusted || folder != scanned.Version)
        {
            return await RescanAsync().ConfigureAwait(false);
        }

        List<string> changed = await SpotCheckAsync().ConfigureAwait(false);
        return changed.Count == 0
            ? CertificateReloadResult.Empty
            : await RescanAsync(logFailures: true, changed, retryFailed: false).ConfigureAwait(false);
    }

    private async Task<List<string>> SpotCheckAsync()
    {
        var changed = new List<string>();
        await _rescanGate.WaitAsync().ConfigureAwait(false);
        try
        {
            CertificateEntry[] entries;
            int from;
            lock (_loaded)
            {
                if (_spotEntries is null || _spotNext >= _spotEntries.Length)
                {
                    // Once per full cycle (entries / batch ticks), not per tick.
                    _spotEntries = [.. _loaded.Keys];
                    _spotNext = 0;
                }

                entries = _spotEntries;
                from = _spotNext;
            }

            int to = Math.Min(from + _spotCheckBatch, entries.Length);
            for (int i = from; i < to; i++)
            {
                Loaded known;
                bool found;
                lock (_loaded)
                {
                    found = _loaded.TryGetValue(entries[i], out known);
                }

                if (!found)
                {
                    continue; // replaced or removed since the snapshot
                }

                string path = entries[i].Source; // written on demand: a bounded batch per tick
                if (known.Fingerprint != Fingerprint.Of(_probe, path, known.KeyPath))
                {
                    changed.Add(path);
                }
            }

            _spotNext = to;
        }
        finally
        {
            _rescanGate.Release();
        }

        return changed;
    }

    /// <summary>Brings the map in line with the directory; returns what changed. Concurrent calls queue. This is what
    /// the periodic rescan runs.</summary>
    /// <param name="logFailures">False when the caller reports the failures itself (the store's first load decides
    /// first whether they mean a wrong key, which is one start-up error rather than a line per entry).</param>
    public Task<CertificateReloadResult> RescanAsync(bool logFailures = true) => RescanAsync(logFailures, onlyThese: null, retryFailed: false);

    /// <summary>SIGHUP: <see cref="RescanAsync(bool)"/>, and also tries again every file that failed for good and has not
    /// changed since (say an operator fixed what made it fail without rewriting it), and warns again about every file
    /// that fails. Logs no summary line: the caller sums up all its sources in one.</summary>
    public Task<CertificateReloadResult> ForceRescanAsync() => RescanAsync(logFailures: true, onlyThese: null, retryFailed: true);

    /// <param name="onlyThese">Files to re-check (present: load if changed; gone: remove); null checks everything.</param>
    /// <param name="retryFailed">Load files that failed for good even when they have not changed since.</param>
    private async Task<CertificateReloadResult> RescanAsync(bool logFailures, IReadOnlyCollection<string>? onlyThese, bool retryFailed = false)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return CertificateReloadResult.Empty;
        }

        await _rescanGate.WaitAsync().ConfigureAwait(false);
        try
        {
            return Rescan(logFailures, onlyThese, retryFailed);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            CertificateLog.RescanFailed(_log, _directory, ex.Message);
            return CertificateReloadResult.Empty;
        }
        finally
        {
            _rescanGate.Release();
        }
    }

    private CertificateReloadResult Rescan(bool logFailures, IReadOnlyCollection<string>? onlyThese, bool retryFailed)
    {
        long started = Stopwatch.GetTimestamp();
        var errors = new List<CertificateLoadError>();

        // Probed before the listing: a change made while it runs moves the version again, so the next tick rescans.
        FileVersion? folder = onlyThese is null ? _files.ProbeFolder() : null;
        List<string> candidates = onlyThese is null ? _files.FindFiles(errors) : [.. onlyThese.Where(File.Exists).Order(StringComparer.Ordinal)];
        // A full scan into an empty table (start-up): all it will hold comes from this listing, so nothing can have
        // vanished and the listing needs no set (a million paths hashed into one, then each entry's path written out and
        // looked up in it: ~5% of a million-entry start's CPU).
        bool firstFill;
        lock (_loaded)
        {
            firstFill = onlyThese is null && _loaded.Count == 0 && _failed.Count == 0;
        }

        HashSet<string>? present = firstFill ? null : new HashSet<string>(candidates, StringComparer.Ordinal);
        var changed = new List<string>();
        lock (_loaded)
        {
            foreach (string path in candidates)
            {
                if (!_loadedByPath.TryGetValue(path, out _, out Loaded known))
                {
                    // A file that failed for good and is unchanged since was reported when it failed: loading it again
                    // would only repeat the warning on every periodic rescan.
                    if (!retryFailed && _failed.TryGetValue(path, out Fingerprint failedAs) && failedAs == Fingerprint.Of(_probe, path, null))
                    {
                        continue;
                    }

                    changed.Add(path); // new: no need to stat it twice (its fingerprint is taken at load)
                    continue;
                }

                if (known.Fingerprint != Fingerprint.Of(_probe, path, known.KeyPath))
                {
                    changed.Add(path);
                }
            }
        }

        // One slot per changed file rather than a ConcurrentBag: a bag's per-thread queues live in ThreadLocal slots until
        // its finalizer runs, so at a million entries they (and every path they hold) outlived the daemon's one compacting
        // collection before serving and stayed in RSS at ready.
        var fresh = new (CertificateEntry? Entry, Loaded Loaded)[changed.Count];
        var failures = new ConcurrentBag<CertificateLoadError>(errors);
        var finalFailures = new ConcurrentBag<(string Path, CertificateLoadError Error, Fingerprint FailedAs)>();
        bool failuresAreFinal = _files.FailedLoadIsFinal;
        if (changed.Count > 0)
        {
            _files.BeginLoads(fullScan: onlyThese is null);
        }

        try
        {
            Parallel.For(0, changed.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                string path = changed[i];
                // Taken before the read, and the one stat of a single-file entry: a file that changes during the load
                // shows a new fingerprint at the next rescan.
                Fingerprint before = Fingerprint.Of(_probe, path, null);
                try
                {
                    CertificateEntry entry = _files.Load(path, before.Version, out string? keyPath);
                    if (!entry.SourceEquals(path))
                    {
                        // The table finds an entry by its source: one that names another file could never be found again.
                        throw new CertificateLoadException(path, "loaded entry names another source: " + entry.Source);
                    }

                    if (_map.OcspStapling)
                    {
                        // Here rather than in the map's Set: chain builds run in parallel and outside the lock below.
                        entry.EnableOcspStapling();
                    }

                    Fingerprint loadedAs = keyPath is null || string.Equals(keyPath, path, StringComparison.Ordinal)
                        ? before
                        : Fingerprint.Of(_probe, path, keyPath);
                    fresh[i] = (entry, new Loaded(keyPath, loadedAs));
                }
                catch (CertificateLoadException ex)
                {
                    var error = new CertificateLoadError(ex.Path, ex.Message, ex.AuthenticationFailed);
                    failures.Add(error);
                    if (failuresAreFinal)
                    {
                        finalFailures.Add((path, error, before));
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Not read at all (gone since the listing, out of descriptors): nothing is known about the content, so
                    // whatever it served keeps serving and the next rescan tries again.
                    failures.Add(new CertificateLoadError(path, "unreadable: " + ex.Message));
                }
            });
        }
        finally
        {
            if (changed.Count > 0)
            {
                _files.EndLoads(fullScan: onlyThese is null);
            }
        }

        int added = 0, replaced = 0, removed = 0;
        var dropped = new HashSet<CertificateLoadError>(ReferenceEqualityComparer.Instance);
        // In the listing's order, which is the paths' (FindFiles sorts; a partial rescan's few paths are sorted above):
        // what the map serves does not depend on the order of its Set calls, and the logs below come out in path order.
        // (Sorting a million entries by expiry, then path, was ~6% of a million-entry start's CPU.)
        var ordered = new List<(string Path, CertificateEntry Entry, Loaded Loaded)>(fresh.Length);
        int names = 0;
        for (int i = 0; i < fresh.Length; i++)
        {
            if (fresh[i].Entry is { } entry)
            {
                ordered.Add((changed[i], entry, fresh[i].Loaded));
                names += entry.Names.Count;
            }
        }

        lock (_loaded)
        {
            if (firstFill)
            {
                // Nothing can be replaced from an empty table: skip the lookups of a path that cannot be there. Before
                // StartWatching (the daemon's initial load, before it listens) the map is also sized once; later a map
                // that happens to be empty may be shared with a writer that Reserve's swap could lose.
                if (Volatile.Read(ref _watcher) is null)
                {
                    _map.Reserve(names);
                }

                foreach ((_, CertificateEntry entry, Loaded loaded) in ordered)
                {
                    _map.Set(entry);
                    _loaded[entry] = loaded;
                    added++;
                }
            }
            else
            {
                foreach ((string path, CertificateEntry entry, Loaded loaded) in ordered)
                {
                    _map.Set(entry);
                    if (_loadedByPath.Remove(path, out CertificateEntry? previous, out _))
                    {
                        _map.Remove(previous);
                        replaced++;
                    }
                    else
                    {
                        added++;
                    }

                    _loaded[entry] = loaded;
                    _failed.Remove(path);
                }
            }

            // A file that now fails for good no longer describes what it served: drop it exactly as if the file had
            // been removed, rather than keep a name whose every cold handshake would fail.
            foreach ((string path, CertificateLoadError error, Fingerprint failedAs) in finalFailures)
            {
                _failed[path] = failedAs;
                if (_loadedByPath.Remove(path, out CertificateEntry? previous, out _))
                {
                    _map.Remove(previous);
                    dropped.Add(error);
                    removed++;
                }
            }

            if (present is not null)
            {
                foreach (CertificateEntry gone in Vanished(onlyThese, present))
                {
                    _map.Remove(gone);
                    _loaded.Remove(gone);
                    removed++;
                }

                IEnumerable<string> failedPaths = onlyThese ?? (IEnumerable<string>)_failed.Keys;
                foreach (string path in failedPaths.Where(p => !present.Contains(p)).ToList())
                {
                    _failed.Remove(path);
                }
            }
        }

        if (onlyThese is null)
        {
            long now = DateTime.UtcNow.Ticks;
            Volatile.Write(ref _scannedFolder, folder is { } v
                ? new ScannedFolder(v, now - v.ModifiedTicks > _racyWindow.Ticks && now - v.ChangedTicks > _racyWindow.Ticks)
                : null);
            _spotEntries = null; // the next spot-check cycle starts from what this scan loaded
        }

        DateTimeOffset loadedAt = DateTimeOffset.UtcNow;
        foreach ((string path, CertificateEntry entry, _) in ordered)
        {
            if (entry.IsExpiredAt(loadedAt))
            {
                CertificateLog.LoadedOutsideValidity(_log.Certificates, path, entry.NotBefore, entry.NotAfter);
            }

            if (entry.OcspStaplingProblem is { } problem)
            {
                CertificateLog.OcspStaplingUnavailable(_log.Certificates, path, problem);
            }
        }

        CertificateLoadError[] sortedFailures = [.. failures.OrderBy(f => f.Path, StringComparer.Ordinal)];
        foreach (CertificateLoadError failure in sortedFailures)
        {
            if (dropped.Contains(failure))
            {
                CertificateLog.CertificateRemoved(_log.Certificates, failure.Path, failure.Reason);
            }
            else if (logFailures && IsNewFailure(failure, retryFailed))
            {
                CertificateLog.CertificateSkipped(_log.Certificates, failure.Path, failure.Reason);
            }
        }

        ForgetReportedFailures(onlyThese, sortedFailures);
        if (added + replaced + removed > 0 && !retryFailed)
        {
            CertificateLog.RescanSummary(_log.Certificates, _directory, added, replaced, removed, sortedFailures.Length,
                (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, _map.Count);
        }

        return new CertificateReloadResult(added, replaced, removed, sortedFailures);
    }

    /// <summary>Loaded entries whose file is no longer there: of <paramref name="onlyThese"/> when given, else of all
    /// (their paths written on the stack and looked up in the listing, <paramref name="present"/>). Under the
    /// <see cref="_loaded"/> lock.</summary>
    private List<CertificateEntry> Vanished(IReadOnlyCollection<string>? onlyThese, HashSet<string> present)
    {
        var gone = new List<CertificateEntry>();
        if (onlyThese is not null)
        {
            foreach (string path in onlyThese)
            {
                if (!present.Contains(path) && _loadedByPath.TryGetValue(path, out CertificateEntry? entry, out _))
                {
                    gone.Add(entry);
                }
            }

            return gone;
        }

        HashSet<string>.AlternateLookup<ReadOnlySpan<char>> listed = present.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> buffer = stackalloc char[CertificateEntry.SourceBufferLength];
        foreach (CertificateEntry entry in _loaded.Keys)
        {
            if (!listed.Contains(entry.SourceChars(buffer)))
            {
                gone.Add(entry);
            }
        }

        return gone;
    }

    /// <summary>True when <paramref name="failure"/> has not been warned about for this version of its file and this
    /// reason (always on SIGHUP, which asks to hear about every broken file); records it as warned.</summary>
    private bool IsNewFailure(CertificateLoadError failure, bool forced)
    {
        var reported = (Fingerprint.Of(_probe, failure.Path, null), failure.Reason);
        if (!forced && _reported.TryGetValue(failure.Path, out var before) && before == reported)
        {
            return false;
        }

        _reported[failure.Path] = reported;
        return true;
    }

    /// <summary>Files that no longer fail (loaded, removed, or checked and fine) are warned about afresh if they break
    /// again; keeps <see cref="_reported"/> to the files failing now.</summary>
    private void ForgetReportedFailures(IReadOnlyCollection<string>? onlyThese, CertificateLoadError[] failing)
    {
        if (_reported.Count == 0)
        {
            return;
        }

        var stillFailing = new HashSet<string>(failing.Select(f => f.Path), StringComparer.Ordinal);
        foreach (string path in (onlyThese ?? _reported.Keys).Where(p => !stillFailing.Contains(p)).ToList())
        {
            _reported.Remove(path);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _watcher?.Dispose();
        _debounceTimer.Dispose();
        _periodicTimer.Dispose();
    }

    private sealed record ScannedFolder(FileVersion Version, bool Trusted);

    /// <summary>What the watcher knows of one loaded file besides its entry (the key). A struct, held inline in
    /// <see cref="_loaded"/>'s table: a million store entries cost the watcher no object each. A store entry (one plain
    /// file) keeps only its <see cref="FileVersion"/>; the key path, link target and key file's version of a PEM pair or
    /// a symbolic link sit in <see cref="LoadedLinks"/>: a value of 40 instead of 56 bytes (a table slot of 56 instead of
    /// 72), ~18 MiB over the ~1.16 million slots of a million-entry table; RSS at ready fell by 43 MiB (issue 11: RSS at
    /// ready with a million names).</summary>
    private readonly struct Loaded
    {
        private readonly FileVersion _version;
        private readonly LoadedLinks? _links;

        public Loaded(string? keyPath, Fingerprint fingerprint)
        {
            _version = fingerprint.Version;
            _links = keyPath is null && fingerprint.Target is null && fingerprint.Key is null
                ? null
                : new LoadedLinks(keyPath, fingerprint.Target, fingerprint.Key);
        }

        public string? KeyPath => _links?.KeyPath;

        public Fingerprint Fingerprint => new(_links?.Target, _version, _links?.Key);
    }

    /// <summary>The rarely present parts of <see cref="Loaded"/>.</summary>
    private sealed record LoadedLinks(string? KeyPath, string? Target, KeyFingerprint? Key);

    /// <summary>Entries compared and hashed by <see cref="CertificateEntry.Source"/>, and found by a path's characters:
    /// the same hash as <see cref="string.GetHashCode(ReadOnlySpan{char})"/>, so a listed path finds its entry without
    /// either side allocating.</summary>
    private sealed class LoadedFiles : IEqualityComparer<CertificateEntry>, IAlternateEqualityComparer<ReadOnlySpan<char>, CertificateEntry>
    {
        public static LoadedFiles Instance { get; } = new();

        public bool Equals(CertificateEntry? x, CertificateEntry? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.HasSameSource(y));

        public int GetHashCode(CertificateEntry obj) => obj.GetSourceHashCode();

        public bool Equals(ReadOnlySpan<char> alternate, CertificateEntry other) => other.SourceEquals(alternate);

        public int GetHashCode(ReadOnlySpan<char> alternate) => string.GetHashCode(alternate);

        /// <summary>Not supported: an entry is made by loading its file, never from a path alone.</summary>
        public CertificateEntry Create(ReadOnlySpan<char> alternate) => throw new NotSupportedException();
    }

    /// <summary>What identifies a file version (<see cref="FileVersion"/>): symlink targets too (certbot renews by
    /// repointing live/ links), and the key file of a PEM pair.</summary>
    /// <param name="Target">Where a symbolic link points, or null for a plain file (which then holds no path string in
    /// the watcher's table).</param>
    private readonly record struct Fingerprint(string? Target, FileVersion Version, KeyFingerprint? Key)
    {
        public static Fingerprint Of(FileProbe probe, string path, string? keyPath)
        {
            (string? target, FileVersion version) = Stat(probe, path);
            if (keyPath is null || string.Equals(keyPath, path, StringComparison.Ordinal))
            {
                return new Fingerprint(target, version, null);
            }

            (string? keyTarget, FileVersion keyVersion) = Stat(probe, keyPath);
            return new Fingerprint(target, version, new KeyFingerprint(keyTarget, keyVersion));
        }

        private static (string?, FileVersion) Stat(FileProbe probe, string path)
        {
            // One statx for a plain file (a store entry); a link's target is named too, so a repointed link counts as
            // a change even when size and times happen to match.
            FileVersion version = probe.Stat(path, out bool isLink);
            if (!isLink || !version.Exists)
            {
                return (null, version);
            }

            try
            {
                return (File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path, version);
            }
            catch (IOException)
            {
                return (null, FileVersion.Missing);
            }
        }
    }

    /// <summary>The key file half of a PEM pair's <see cref="Fingerprint"/> (a class: store entries have none, and a
    /// million of them should not carry its fields).</summary>
    private sealed record KeyFingerprint(string? Target, FileVersion Version);
}

/// <summary>What one rescan changed.</summary>
internal sealed record CertificateReloadResult(int Added, int Replaced, int Removed, IReadOnlyList<CertificateLoadError> Errors)
{
    public static CertificateReloadResult Empty { get; } = new(0, 0, 0, []);
}
