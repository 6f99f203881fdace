using Terminator.Certificates;

namespace Terminator.Storage;

/// <summary>Loads a compact store entry's certificate and key from its file. One instance per store, shared by all of
/// its entries: the entry's <see cref="CertificateEntry.Source"/> is the file path, written on demand from the store's
/// directory and the entry's id (<see cref="WriteSource"/>), so the index pays nothing per entry for knowing where its
/// material lives.</summary>
internal sealed class StoreEntryMaterialSource(DirectoryCertificateStore store) : ICertificateSourceNaming
{
    /// <summary>Writes <c>&lt;directory&gt;/&lt;id&gt;.tcert</c>, the id from the entry's names, key family and
    /// <paramref name="tag"/> (<see cref="CertificateStoreId.TryWrite"/>); -1 when it does not fit.</summary>
    public int WriteSource(CertificateEntry entry, uint tag, Span<char> destination)
    {
        string directory = store.Directory;
        int at = directory.Length + (directory.EndsWith('/') ? 0 : 1);
        if (at >= destination.Length)
        {
            return -1;
        }

        directory.CopyTo(destination);
        destination[at - 1] = '/';
        int id = CertificateStoreId.TryWrite(entry.Names, entry.Family, tag, destination[at..]);
        if (id < 0 || at + id + DirectoryCertificateStore.FileExtension.Length > destination.Length)
        {
            return -1;
        }

        at += id;
        DirectoryCertificateStore.FileExtension.CopyTo(destination[at..]);
        return at + DirectoryCertificateStore.FileExtension.Length;
    }

    public async ValueTask<CertificateMaterial> LoadAsync(CertificateEntry entry, CancellationToken cancellationToken)
    {
        byte[] file;
        try
        {
            // Asynchronous read: materialisation runs on the handshake path and must not block a thread on disk I/O.
            file = await File.ReadAllBytesAsync(entry.Source, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CertificateLoadException(entry.Source, "unreadable: " + ex.Message, ex);
        }

        return store.OpenMaterial(entry, file);
    }

    public CertificateMaterial Load(CertificateEntry entry)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(entry.Source);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CertificateLoadException(entry.Source, "unreadable: " + ex.Message, ex);
        }

        return store.OpenMaterial(entry, file);
    }
}
