namespace Terminator.Storage;

/// <summary>A stored entry that was skipped, never served. <paramref name="Reason"/> never contains key material.</summary>
/// <param name="Location">Where the entry lives (a path for the directory store).</param>
/// <param name="Reason">Why it was skipped, e.g. "truncated (torn write?)".</param>
/// <param name="AuthenticationFailed">True when the AES-GCM tag did not verify: tampering, or a different key.</param>
internal sealed record CertificateStoreProblem(string Location, string Reason, bool AuthenticationFailed);
