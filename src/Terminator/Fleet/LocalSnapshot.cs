using System.Globalization;
using System.Text;
using Terminator.Certificates;
using Terminator.Storage;

namespace Terminator.Fleet;

/// <summary>
/// A node's local copy of the shared store: a directory store in <c>TERMINATOR_STORE_DIR/snapshot</c>, written through
/// as rows arrive, plus a state file (<c>.fleet-state</c>: the database's store id and the last generation applied).
/// The daemon serves from it exactly as from a directory store (the same watcher, index and lazy key loading), so a node
/// keeps serving through a database outage and starts from it when the database is down. Each row's sealed entry is
/// written byte for byte, after the follower authenticated it; a tombstone deletes the file.
/// </summary>
internal sealed class LocalSnapshot
{
    /// <summary>The state file (hidden: the directory store and its watcher ignore names starting with '.').</summary>
    public const string StateFileName = ".fleet-state";

    private readonly string _statePath;
    // Index records of the batch being written (one append, one fsync, at its Flush).
    private readonly List<byte[]> _pendingIndex = [];

    /// <summary>Opens (creating with mode 700) the snapshot folder.</summary>
    public LocalSnapshot(DirectoryCertificateStore store)
    {
        Store = store;
        _statePath = Path.Combine(store.Directory, StateFileName);
    }

    /// <summary>The directory store the daemon follows.</summary>
    public DirectoryCertificateStore Store { get; }

    /// <summary>The store id and generation last recorded, or null when the snapshot was never completed.</summary>
    public (Guid StoreId, long Generation)? ReadState()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(_statePath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        Guid storeId = Guid.Empty;
        long generation = -1;
        foreach (string line in lines)
        {
            string[] parts = line.Split(' ', 2);
            if (parts.Length != 2)
            {
                continue;
            }

            if (parts[0] == "store-id" && Guid.TryParse(parts[1], out Guid id))
            {
                storeId = id;
            }
            else if (parts[0] == "generation" && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long g))
            {
                generation = g;
            }
        }

        return storeId == Guid.Empty || generation < 0 ? null : (storeId, generation);
    }

    /// <summary>Forgets the recorded state before a whole-store load: until the load's end records it again, the folder
    /// is no snapshot of any store, and a node that restarts meanwhile with the database down must not serve it.</summary>
    public void ClearState() => AtomicFile.Delete(_statePath);

    /// <summary>Records that every change up to <paramref name="generation"/> is in the snapshot.</summary>
    public void WriteState(Guid storeId, long generation) =>
        AtomicFile.Write(_statePath, Encoding.ASCII.GetBytes($"store-id {storeId:D}\ngeneration {generation.ToString(CultureInfo.InvariantCulture)}\n"));

    /// <summary>Writes an authenticated entry; false when the file already held exactly these bytes (a change seen twice,
    /// by notification and by reconciliation, is written once and costs the watcher nothing).</summary>
    /// <param name="info">The entry's authenticated header (its id, names, dates and key type), recorded in the store
    /// index so that the daemon's scan of the snapshot need not read the file (a new node's first load of a million
    /// rows would otherwise be followed by a million file reads).</param>
    /// <param name="entry">The sealed entry, byte for byte.</param>
    /// <param name="write">How: durable on its own, or batched until <see cref="Flush"/>.</param>
    public bool Write(StoredCertificateInfo info, byte[] entry, SnapshotWrite write)
    {
        string id = info.Id;
        string path = Store.PathFor(id);
        try
        {
            if (new FileInfo(path) is { Exists: true } existing && existing.Length == entry.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(entry))
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unreadable: write it again.
        }

        switch (write)
        {
            case SnapshotWrite.Durable:
                AtomicFile.Write(path, entry);
                break;
            case SnapshotWrite.Batched:
                AtomicFile.WriteUnsynced(path, entry);
                break;
            default:
                AtomicFile.WriteInPlace(path, entry);
                break;
        }

        // After the rename, so the record names the file version a reader finds (as DirectoryCertificateStore does).
        FileVersion written = FileVersion.Of(path);
        if (written.Exists)
        {
            _pendingIndex.Add(Store.Index.Encode(new StoreIndexRecord(id, written, [.. info.Names],
                info.NotBefore.ToUnixTimeMilliseconds(), info.NotAfter.ToUnixTimeMilliseconds(), info.KeyType)));
            if (write == SnapshotWrite.Durable)
            {
                AppendIndex();
            }
        }

        return true;
    }

    // The index is a cache: a failed append costs the daemon one read of each of those entries, never an error.
    private void AppendIndex()
    {
        try
        {
            Store.Index.Append(_pendingIndex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        _pendingIndex.Clear();
    }

    /// <summary>Deletes an entry; false when it was not there.</summary>
    /// <param name="write">How: durable on its own, or batched until <see cref="Flush"/>.</param>
    public bool Remove(string id, SnapshotWrite write)
    {
        if (write == SnapshotWrite.Durable)
        {
            return AtomicFile.Delete(Store.PathFor(id));
        }

        string path = Store.PathFor(id);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>Makes a batch of non-durable writes and removals durable (one syncfs), before its generation is
    /// recorded with <see cref="WriteState"/>.</summary>
    public void Flush()
    {
        AppendIndex();
        AtomicFile.SyncFileSystem(Store.Directory);
    }

    /// <summary>Ids of the entry files present now.</summary>
    public HashSet<string> ListIds()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in Store.ListEntryFiles())
        {
            ids.Add(Path.GetFileNameWithoutExtension(path));
        }

        return ids;
    }
}
