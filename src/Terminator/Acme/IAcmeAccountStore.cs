namespace Terminator.Acme;

/// <summary>
/// Where an <see cref="AcmeClient"/> keeps its account: the key (sealed at rest, never in clear) and the account URL the
/// CA assigned, one per CA directory. A single node keeps them in its store folder (<see cref="AcmeAccountStore"/>); a
/// fleet keeps one for every node in its database (<c>Fleet/PostgresAcmeAccountStore</c>).
/// </summary>
internal interface IAcmeAccountStore
{
    /// <summary>The account key for <paramref name="directoryUri"/>: the stored one, or a new one stored first.</summary>
    /// <exception cref="InvalidDataException">A stored key exists but cannot be used (the message says why).</exception>
    /// <exception cref="IOException">The key could not be read or stored.</exception>
    Task<AcmeAccountKey> LoadOrCreateKeyAsync(Uri directoryUri, CancellationToken cancellationToken);

    /// <summary>The account URL recorded for <paramref name="directoryUri"/>, or null.</summary>
    Task<Uri?> ReadAccountUrlAsync(Uri directoryUri, CancellationToken cancellationToken);

    /// <summary>Records the account URL the CA assigned.</summary>
    Task SaveAccountUrlAsync(Uri directoryUri, Uri accountUrl, CancellationToken cancellationToken);
}
