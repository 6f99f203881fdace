namespace Terminator.Certificates;

/// <summary>Reloads a PEM-folder entry's certificate and key from its files (the certificate file is the entry's
/// <see cref="CertificateEntry.Source"/>; the key may be the same file or its sibling).</summary>
internal sealed class PemFileMaterialSource(string keyPath) : ICertificateMaterialSource
{
    /// <summary>The file holding the private key.</summary>
    public string KeyPath { get; } = keyPath;

    public async ValueTask<CertificateMaterial> LoadAsync(CertificateEntry entry, CancellationToken cancellationToken)
    {
        string path = entry.Source;
        string text, keyText;
        try
        {
            // Asynchronous reads: this runs on the handshake path.
            text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
            keyText = string.Equals(KeyPath, path, StringComparison.Ordinal)
                ? text
                : await File.ReadAllTextAsync(KeyPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CertificateLoadException(path, "unreadable: " + ex.Message, ex);
        }

        return Check(entry, PemCertificateReader.CreateMaterial(text, keyText, path));
    }

    public CertificateMaterial Load(CertificateEntry entry)
    {
        string path = entry.Source;
        string text, keyText;
        try
        {
            text = File.ReadAllText(path);
            keyText = string.Equals(KeyPath, path, StringComparison.Ordinal) ? text : File.ReadAllText(KeyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CertificateLoadException(path, "unreadable: " + ex.Message, ex);
        }

        return Check(entry, PemCertificateReader.CreateMaterial(text, keyText, path));
    }

    /// <summary>The files may have changed since they were indexed (the watcher catches up within a second): serve
    /// them only while they still carry the indexed names.</summary>
    private static CertificateMaterial Check(CertificateEntry entry, CertificateMaterial material)
    {
        if (material.Names.Count != entry.Names.Count)
        {
            return Reject(entry, material);
        }

        for (int i = 0; i < material.Names.Count; i++)
        {
            if (!string.Equals(material.Names[i], entry.Names[i], StringComparison.Ordinal))
            {
                return Reject(entry, material);
            }
        }

        return material;
    }

    private static CertificateMaterial Reject(CertificateEntry entry, CertificateMaterial material)
    {
        material.LeafWithKey.Dispose();
        throw new CertificateLoadException(entry.Source, "certificate changed on disk since it was indexed (names differ); waiting for the rescan");
    }
}
