using Terminator.Certificates;

namespace Terminator.Storage;

/// <summary>Loads a compact store entry's certificate and key from its file. One instance per store, shared by all of
/// its entries: the entry's <see cref="CertificateEntry.Source"/> is the file path, so the index pays nothing per
/// entry for knowing where its material lives.</summary>
internal sealed class StoreEntryMaterialSource(DirectoryCertificateStore store) : ICertificateMaterialSource
{
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
