namespace Terminator.Certificates;

/// <summary>
/// Loads the certificate and private key behind a compact <see cref="CertificateEntry"/> (a store file, a PEM pair).
/// The index only keeps names and dates; everything heavy (X.509 parsing, key import) happens here, on the entry's
/// first handshake, off the lookup path.
/// </summary>
internal interface ICertificateMaterialSource
{
    /// <summary>Reads and parses the material for <paramref name="entry"/> with asynchronous file I/O (the handshake
    /// path). Throws <see cref="CertificateLoadException"/> when the files are gone, changed beyond recognition or broken.</summary>
    ValueTask<CertificateMaterial> LoadAsync(CertificateEntry entry, CancellationToken cancellationToken);

    /// <summary>Synchronous variant for the CLI and tests (<see cref="CertificateEntry.Certificate"/>); never called on
    /// the handshake path.</summary>
    CertificateMaterial Load(CertificateEntry entry);
}
