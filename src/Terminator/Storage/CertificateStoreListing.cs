namespace Terminator.Storage;

/// <summary>Outcome of <see cref="ICertificateStore.ListAsync"/>: authenticated metadata, plus skipped entries.</summary>
/// <param name="Entries">Entries whose tag verified, ordered by not-after, then id.</param>
/// <param name="Problems">Entries skipped, ordered by location.</param>
internal sealed record CertificateStoreListing(IReadOnlyList<StoredCertificateInfo> Entries, IReadOnlyList<CertificateStoreProblem> Problems)
{
    /// <summary>True when entries exist but not one authenticates: the configured key is almost certainly wrong.</summary>
    public bool KeyDecryptsNothing => Entries.Count == 0 && Problems.Any(p => p.AuthenticationFailed);
}
