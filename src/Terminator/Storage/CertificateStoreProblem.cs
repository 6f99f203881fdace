namespace Terminator.Storage;

/// <summary>A stored entry that was skipped, never served. <paramref name="Reason"/> never contains key material.</summary>
/// <param name="Location">Where the entry lives (a path for the directory store).</param>
/// <param name="Reason">Why it was skipped, e.g. "truncated (torn write?)".</param>
/// <param name="AuthenticationFailed">True when the AES-GCM tag did not verify: tampering, or a different key.</param>
internal sealed record CertificateStoreProblem(string Location, string Reason, bool AuthenticationFailed)
{
    /// <summary>The id the entry's location claims (for the directory store, its file name), or null when that is not
    /// an id. Not authenticated: only good for <see cref="ICertificateStore.RemoveAsync"/>, which is what an operator
    /// needs for an entry whose names cannot be read.</summary>
    public string? Id { get; init; }
}
