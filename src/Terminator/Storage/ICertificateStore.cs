using Terminator.Certificates;

namespace Terminator.Storage;

/// <summary>
/// Where certificates and their (encrypted) private keys live. Implementations: <see cref="DirectoryCertificateStore"/>
/// (embedded default); a database store can follow behind the same contract. Every entry is authenticated before it is
/// returned: a torn, tampered or foreign-key entry is reported as a <see cref="CertificateStoreProblem"/>, never served.
/// Ids are opaque strings of <c>[a-z0-9._-]</c>.
/// </summary>
internal interface ICertificateStore
{
    /// <summary>Authenticated metadata of every entry (no private keys are returned).</summary>
    ValueTask<CertificateStoreListing> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Loads one entry ready to serve; null when <paramref name="id"/> is not stored.</summary>
    /// <exception cref="CertificateLoadException">The entry exists but is broken; the message says why.</exception>
    ValueTask<CertificateEntry?> LoadAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Loads every entry ready to serve; broken ones are reported in the result and skipped.</summary>
    ValueTask<CertificateStoreLoadResult> LoadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="certificate"/> (chain + private key), replacing the entry with the same id
    /// (same names and key family). The write is atomic: readers see the old entry or the new one.</summary>
    ValueTask<StoredCertificateInfo> PutAsync(CertificateEntry certificate, CancellationToken cancellationToken = default);

    /// <summary>Removes an entry; false when it was not stored.</summary>
    ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default);
}
