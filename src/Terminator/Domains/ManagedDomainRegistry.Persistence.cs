using System.Diagnostics;
using Terminator.Diagnostics;
using Terminator.Storage;

namespace Terminator.Domains;

/// <summary>Opening (load and replay), compaction and disposal.</summary>
internal sealed partial class ManagedDomainRegistry
{
    private const string LockFileName = "lock";
    private const string DamagedPrefix = "damaged-";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private ManagedDomainRegistry(string directory, FileStream folderLock, Dictionary<string, ManagedDomain> domains, DomainJournal journal,
        long journalRecords, TerminatorLog log, TimeProvider time)
    {
        Directory = directory;
        _folderLock = folderLock;
        _domains = domains;
        _index = new ManagedDomainIndex(domains.Values);
        _journal = journal;
        _journalRecords = journalRecords;
        _log = log;
        _time = time;
    }

    /// <summary>
    /// Opens the registry persisted in <paramref name="directory"/> (created with mode 700 when missing): reads the snapshot,
    /// replays the journals written since, cuts off a tail a crash tore, and builds the indexes. Synchronous start-up work:
    /// ~100 bytes read and one dictionary insert per domain.
    /// </summary>
    /// <exception cref="IOException">The folder cannot be created or read, or another process has it open.</exception>
    /// <exception cref="InvalidDataException">The snapshot is damaged (see <see cref="DomainSnapshotFile.Read"/>).</exception>
    public static ManagedDomainRegistry Open(string directory, TerminatorLog log, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(log);
        long started = Stopwatch.GetTimestamp();
        directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.CreateDirectory(directory, OwnerOnly);
        }

        FileStream folderLock = LockFolder(directory);
        try
        {
            RemoveInterruptedWrites(directory, log);
            var domains = new Dictionary<string, ManagedDomain>(StringComparer.Ordinal);
            string snapshotPath = Path.Combine(directory, DomainSnapshotFile.FileName);
            long generation = File.Exists(snapshotPath) ? DomainSnapshotFile.Read(snapshotPath, domains) : 0;
            long snapshotRecords = domains.Count;
            (DomainJournal journal, long journalRecords, long discarded) = ReplayJournals(directory, generation, domains, log);
            var registry = new ManagedDomainRegistry(directory, folderLock, domains, journal, journalRecords, log, time ?? TimeProvider.System);
            registry.LoadReport = new ManagedDomainLoadReport(domains.Count, snapshotRecords, journalRecords, discarded, Stopwatch.GetElapsedTime(started));
            if (registry.IsCompactionDue)
            {
                registry.Compact(); // a long journal would slow down the next start-up too: fold it now, before serving
            }

            return registry;
        }
        catch
        {
            folderLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Folds the journals into a new snapshot: appends switch to a fresh journal at once, then the snapshot of the state at
    /// the switch is written (outside the locks) and the older journals are deleted. A crash at any point leaves a
    /// snapshot plus journals that replay to the same state.
    /// </summary>
    /// <remarks>Internal for testing; normally started in the background when the journal has grown.</remarks>
    internal void Compact()
    {
        ManagedDomain[] records;
        long generation;
        lock (_syncGate)
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _journal.FlushToDisk();
                Volatile.Write(ref _durable, _appended);
                generation = _journal.Generation + 1;
                DomainJournal next = DomainJournal.Create(Directory, generation);
                _journal.Dispose();
                _journal = next;
                _journalRecords = 0;
                records = new ManagedDomain[_domains.Count];
                _domains.Values.CopyTo(records, 0);
            }
        }

        // Name order makes the next load's index build a sort of already-sorted input.
        Array.Sort(records, static (x, y) => string.CompareOrdinal(x.Name, y.Name));
        long started = Stopwatch.GetTimestamp();
        DomainSnapshotFile.Write(Directory, generation, records);
        DeleteJournalsBefore(Directory, generation);
        DomainsLog.Compacted(_log.Domains, records.Length, Path.Combine(Directory, DomainSnapshotFile.FileName), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private bool IsCompactionDue
    {
        get
        {
            lock (_gate)
            {
                return _journalRecords > Math.Max(MinimumCompactionRecords, _domains.Count);
            }
        }
    }

    private void ScheduleCompactionIfDue()
    {
        if (!IsCompactionDue || Interlocked.CompareExchange(ref _compacting, 1, 0) != 0)
        {
            return;
        }

        _compaction = Task.Run(() =>
        {
            try
            {
                Compact();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Nothing is lost: the journals stay and replay as before; the next write past the threshold tries again.
                DomainsLog.CompactionFailed(_log.Domains, Directory, ex.Message);
            }
            finally
            {
                Volatile.Write(ref _compacting, 0);
            }
        });
    }

    /// <summary>
    /// Refuses further changes, waits for a compaction in progress, makes every appended change durable, closes the journal
    /// and releases the folder (in that order, so no other process can take the folder while a file is still being written).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        lock (_syncGate)
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true; // a compaction that has not switched journals yet now returns without doing so
            }
        }

        await _compaction.ConfigureAwait(false);
        lock (_syncGate)
        {
            lock (_gate)
            {
                // A writer between its append and its fsync then finds its frame durable and never touches the closed handle.
                _journal.FlushToDisk();
                Volatile.Write(ref _durable, _appended);
                _journal.Dispose();
            }
        }

        await _folderLock.DisposeAsync().ConfigureAwait(false);
    }

    private static FileStream LockFolder(string directory)
    {
        string path = Path.Combine(directory, LockFileName);
        try
        {
            // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Linux: a second daemon on the same folder fails here
            // instead of interleaving its appends with ours.
            return new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new IOException($"the managed-domain folder '{directory}' is in use by another process (it holds '{path}')", ex);
        }
    }

    /// <summary>Temp files of a snapshot or journal creation a crash interrupted: never renamed, so never part of the state.</summary>
    private static void RemoveInterruptedWrites(string directory, TerminatorLog log)
    {
        foreach (string path in System.IO.Directory.EnumerateFiles(directory, AtomicFile.TempPrefix + "*"))
        {
            DomainsLog.RemovingInterruptedWrite(log.Domains, path);
            File.Delete(path);
        }
    }

    private static void DeleteJournalsBefore(string directory, long generation)
    {
        foreach ((long journalGeneration, string path) in FindJournals(directory))
        {
            if (journalGeneration < generation)
            {
                AtomicFile.Delete(path);
            }
        }
    }

    private static List<(long Generation, string Path)> FindJournals(string directory)
    {
        var journals = new List<(long Generation, string Path)>();
        foreach (string path in System.IO.Directory.EnumerateFiles(directory))
        {
            if (DomainJournal.TryParseGeneration(Path.GetFileName(path), out long generation))
            {
                journals.Add((generation, path));
            }
        }

        journals.Sort(static (x, y) => x.Generation.CompareTo(y.Generation));
        return journals;
    }
}
