using System.Globalization;
using System.Text;
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

    /// <summary>Records that every change up to <paramref name="generation"/> is in the snapshot.</summary>
    public void WriteState(Guid storeId, long generation) =>
        AtomicFile.Write(_statePath, Encoding.ASCII.GetBytes($"store-id {storeId:D}\ngeneration {generation.ToString(CultureInfo.InvariantCulture)}\n"));

    /// <summary>Writes an authenticated entry; false when the file already held exactly these bytes (a change seen twice,
    /// by notification and by reconciliation, is written once and costs the watcher nothing).</summary>
    public bool Write(string id, byte[] entry)
    {
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

        AtomicFile.Write(path, entry);
        return true;
    }

    /// <summary>Deletes an entry; false when it was not there.</summary>
    public bool Remove(string id) => AtomicFile.Delete(Store.PathFor(id));

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
