using System.Collections.Concurrent;
using Terminator.Diagnostics;

namespace Terminator.Certificates;

/// <summary>
/// Keeps a <see cref="CertificateMap"/> in step with a certificate directory while the server runs: file-system
/// notifications (debounced), a periodic rescan as the safety net (notifications can be lost: inotify queue overflow,
/// network file systems), and <see cref="RescanAsync"/> for SIGHUP. Each rescan only reloads files whose fingerprint
/// (resolved path, size, modification time of the certificate and of its key) changed, so a renewal among 10,000
/// certificates costs one load, not 10,000.
/// </summary>
/// <remarks>
/// Replacement order is Set(new) then Remove(old): every name the new certificate carries is swapped atomically and
/// names only the old one carried are dropped after, so no name is ever briefly unknown. A changed file that fails to
/// load leaves the previous certificate serving (logged). A file that disappears from the directory is removed.
/// </remarks>
public sealed class CertificateDirectoryWatcher : IDisposable
{
    private static readonly TimeSpan s_debounce = TimeSpan.FromMilliseconds(100);

    private readonly string _directory;
    private readonly CertificateMap _map;
    private readonly TerminatorLog _log;
    private readonly SemaphoreSlim _rescanGate = new(1, 1);
    private readonly Dictionary<string, Loaded> _loaded = new(StringComparer.Ordinal);
    private readonly Timer _debounceTimer;
    private readonly Timer _periodicTimer;
    private FileSystemWatcher? _watcher;
    private int _disposed;

    public CertificateDirectoryWatcher(string directory, CertificateMap map, TerminatorLog log, TimeSpan rescanInterval)
    {
        _directory = directory;
        _map = map;
        _log = log;
        _debounceTimer = new Timer(static s => _ = ((CertificateDirectoryWatcher)s!).RescanAsync(), this, Timeout.Infinite, Timeout.Infinite);
        _periodicTimer = new Timer(static s => _ = ((CertificateDirectoryWatcher)s!).RescanAsync(), this, rescanInterval, rescanInterval);
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
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            InternalBufferSize = 64 * 1024,
        };
        watcher.Created += OnChanged;
        watcher.Changed += OnChanged;
        watcher.Deleted += OnChanged;
        watcher.Renamed += OnChanged;
        watcher.Error += (_, e) => { _log.Warn($"certificate watcher on {_directory}: {e.GetException().Message}; rescanning"); OnChanged(null, null!); };
        watcher.EnableRaisingEvents = true;
        _watcher = watcher;
    }

    // Bursts (certbot writes four files, an import writes hundreds) collapse into one rescan.
    private void OnChanged(object? sender, FileSystemEventArgs e) => _debounceTimer.Change(s_debounce, Timeout.InfiniteTimeSpan);

    /// <summary>Brings the map in line with the directory; returns what changed. Concurrent calls queue.</summary>
    public async Task<CertificateReloadResult> RescanAsync()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return CertificateReloadResult.Empty;
        }

        await _rescanGate.WaitAsync().ConfigureAwait(false);
        try
        {
            return Rescan();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _log.Warn($"certificate rescan of {_directory} failed: {ex.Message}");
            return CertificateReloadResult.Empty;
        }
        finally
        {
            _rescanGate.Release();
        }
    }

    private CertificateReloadResult Rescan()
    {
        var errors = new List<CertificateLoadError>();
        List<string> candidates = Directory.Exists(_directory)
            ? CertificateDirectoryScanner.FindCertificateFiles(_directory, errors)
            : [];
        var present = new HashSet<string>(candidates, StringComparer.Ordinal);
        var changed = new List<(string Path, Fingerprint Fingerprint)>();
        lock (_loaded)
        {
            foreach (string path in candidates)
            {
                var known = _loaded.GetValueOrDefault(path);
                Fingerprint now = Fingerprint.Of(path, known?.KeyPath);
                if (known is null || known.Fingerprint != now)
                {
                    changed.Add((path, now));
                }
            }
        }

        var fresh = new ConcurrentBag<(string Path, Loaded Loaded)>();
        var failures = new ConcurrentBag<CertificateLoadError>(errors);
        Parallel.ForEach(changed, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, item =>
        {
            try
            {
                CertificateEntry entry = CertificateLoader.LoadFileCompact(item.Path, out string keyPath);
                fresh.Add((item.Path, new Loaded(entry, keyPath, Fingerprint.Of(item.Path, keyPath))));
            }
            catch (CertificateLoadException ex)
            {
                failures.Add(new CertificateLoadError(ex.Path, ex.Message));
            }
        });

        int added = 0, replaced = 0, removed = 0;
        var ordered = fresh.ToList();
        ordered.Sort(static (a, b) => CertificateMap.CompareByExpiry(a.Loaded.Entry, b.Loaded.Entry));
        lock (_loaded)
        {
            foreach ((string path, Loaded loaded) in ordered)
            {
                _map.Set(loaded.Entry);
                if (_loaded.TryGetValue(path, out Loaded? previous))
                {
                    _map.Remove(previous.Entry);
                    replaced++;
                }
                else
                {
                    added++;
                }

                _loaded[path] = loaded;
            }

            foreach (string path in _loaded.Keys.Where(p => !present.Contains(p)).ToList())
            {
                _map.Remove(_loaded[path].Entry);
                _loaded.Remove(path);
                removed++;
            }
        }

        foreach (CertificateLoadError failure in failures.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            _log.Warn($"certificate skipped: {failure.Path}: {failure.Reason}");
        }

        if (added + replaced + removed > 0)
        {
            _log.Info($"certificates: {added} added, {replaced} replaced, {removed} removed; {_map.Count} names");
        }

        return new CertificateReloadResult(added, replaced, removed, [.. failures]);
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

    private sealed record Loaded(CertificateEntry Entry, string KeyPath, Fingerprint Fingerprint);

    /// <summary>What identifies a file version: symlink targets too (certbot renews by repointing live/ links).</summary>
    private readonly record struct Fingerprint(string Target, long Length, DateTime Modified, string KeyTarget, long KeyLength, DateTime KeyModified)
    {
        public static Fingerprint Of(string path, string? keyPath)
        {
            (string target, long length, DateTime modified) = Stat(path);
            if (keyPath is null || string.Equals(keyPath, path, StringComparison.Ordinal))
            {
                return new Fingerprint(target, length, modified, "", 0, default);
            }

            (string keyTarget, long keyLength, DateTime keyModified) = Stat(keyPath);
            return new Fingerprint(target, length, modified, keyTarget, keyLength, keyModified);
        }

        private static (string, long, DateTime) Stat(string path)
        {
            try
            {
                string target = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
                var info = new FileInfo(target);
                return info.Exists ? (target, info.Length, info.LastWriteTimeUtc) : (target, -1, default);
            }
            catch (IOException)
            {
                return (path, -1, default);
            }
        }
    }
}

/// <summary>What one rescan changed.</summary>
public sealed record CertificateReloadResult(int Added, int Replaced, int Removed, IReadOnlyList<CertificateLoadError> Errors)
{
    public static CertificateReloadResult Empty { get; } = new(0, 0, 0, []);
}
