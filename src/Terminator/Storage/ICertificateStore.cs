namespace Terminator.Storage;

/// <summary>
/// Where certificates and their (encrypted) private keys live, as <c>terminator certs</c> manages them.
/// Implementations: <see cref="DirectoryCertificateStore"/> (embedded default); a database store can follow behind the
/// same contract. Every entry is authenticated before its metadata is returned: a torn, tampered or foreign-key entry is
/// reported as a <see cref="CertificateStoreProblem"/>, never listed as valid. Ids are opaque strings of
/// <c>[a-z0-9._-]</c>.
/// </summary>
/// <remarks>
/// The daemon does not serve through this interface: it follows the store's entry files with a
/// <see cref="Certificates.CertificateDirectoryWatcher"/> over a <see cref="StoreCertificateFileSet"/>, which builds a
/// compact index entry per file and loads the key on the first handshake.
/// </remarks>
internal interface ICertificateStore
{
    /// <summary>Where the store lives, for messages (a folder for the directory store).</summary>
    string Location { get; }

    /// <summary>Authenticated metadata of every entry (no private keys are returned), and every entry that cannot be
    /// read, with the id its location claims so that it can still be removed.</summary>
    ValueTask<CertificateStoreListing> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="certificate"/> (chain + private key), replacing the entry with the same id
    /// (same names and key family). The write is atomic: readers see the old entry or the new one.</summary>
    ValueTask<StoredCertificateInfo> PutAsync(Certificates.CertificateEntry certificate, CancellationToken cancellationToken = default);

    /// <summary>The id of the entry a served certificate was loaded from, given its <c>Source</c>; false when it did not
    /// come from this store.</summary>
    bool TryGetId(string source, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? id);

    /// <summary>Removes an entry, readable or not; false when it was not stored.</summary>
    ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default);
}
