using Terminator.Certificates;

namespace Terminator.Storage;

/// <summary>The encrypted store's entry files, for <see cref="CertificateDirectoryWatcher"/>: an import, renewal or
/// removal by <c>terminator certs</c> (or another writer sharing the folder) reaches new handshakes without a signal.
/// Writes are write-then-rename (<see cref="AtomicFile"/>), so the watcher never sees half an entry.</summary>
internal sealed class StoreCertificateFileSet(DirectoryCertificateStore store) : ICertificateFileSet
{
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
            return true; // temp file of an atomic write, or not an entry
        }

        candidate = changedPath;
        return true;
    }

    /// <inheritdoc />
    public List<string> FindFiles(List<CertificateLoadError> errors) => store.ListEntryFiles();

    /// <inheritdoc />
    public CertificateEntry Load(string path, out string? companionPath)
    {
        companionPath = null;
        return store.LoadFile(path);
    }
}
