namespace Terminator.Storage;

/// <summary>
/// Metadata of one stored certificate, authenticated (the store verified the entry's AES-GCM tag before returning
/// it). Holds only public data: never the private key.
/// </summary>
/// <param name="Id">Stable identity: same names and key family → same id, so a renewal replaces its predecessor.</param>
/// <param name="Names">Lower-case SAN DNS names, in certificate order.</param>
/// <param name="KeyType">Leaf key algorithm, e.g. "ECDSA P-256" or "RSA 2048".</param>
/// <param name="NotBefore">Start of the leaf's validity (UTC).</param>
/// <param name="NotAfter">End of the leaf's validity (UTC).</param>
/// <param name="Created">When the id was first stored (UTC); kept across replacements.</param>
/// <param name="Updated">When this version was stored (UTC).</param>
/// <param name="CertificateChainPem">The public chain, leaf first.</param>
/// <param name="Location">Where the entry lives, for messages (a path for the directory store).</param>
internal sealed record StoredCertificateInfo(
    string Id,
    IReadOnlyList<string> Names,
    string KeyType,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    string CertificateChainPem,
    string Location);
