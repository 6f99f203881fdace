using Terminator.Certificates;

namespace Terminator.Storage;

/// <summary>Outcome of <see cref="ICertificateStore.LoadAllAsync"/>: servable entries, plus skipped ones.</summary>
/// <param name="Entries">Ready-to-serve entries (ordered by not-after, then location, for deterministic output).</param>
/// <param name="Problems">Entries skipped, ordered by location.</param>
/// <param name="Authenticated">How many entries passed authentication (servable or not).</param>
internal sealed record CertificateStoreLoadResult(IReadOnlyList<CertificateEntry> Entries, IReadOnlyList<CertificateStoreProblem> Problems, int Authenticated)
{
    /// <summary>True when entries exist but not one authenticates: the configured key is almost certainly wrong.</summary>
    public bool KeyDecryptsNothing => Authenticated == 0 && Problems.Any(p => p.AuthenticationFailed);
}
