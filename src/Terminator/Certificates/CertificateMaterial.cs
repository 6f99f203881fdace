using System.Security.Cryptography.X509Certificates;

namespace Terminator.Certificates;

/// <summary>
/// What a handshake needs from disk: the leaf with its private key and the intermediates, plus the SAN names read
/// from the leaf (checked against the names the index was built with). Produced by an
/// <see cref="ICertificateMaterialSource"/> when an entry is materialised; dropped again when the entry is evicted from
/// the <see cref="CertificateContextCache"/>.
/// </summary>
/// <param name="LeafWithKey">The leaf certificate with its private key attached.</param>
/// <param name="Intermediates">Certificates sent after the leaf.</param>
/// <param name="Names">Lower-case SAN DNS names of the leaf.</param>
internal sealed record CertificateMaterial(X509Certificate2 LeafWithKey, X509Certificate2Collection Intermediates, IReadOnlyList<string> Names);
