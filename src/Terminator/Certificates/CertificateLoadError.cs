namespace Terminator.Certificates;

/// <summary>A file that could not be loaded (or, in <see cref="CertificateDirectoryLoadResult.Warnings"/>, a file
/// that loaded with a problem worth an operator's attention). <paramref name="Reason"/> never contains key material.
/// <paramref name="AuthenticationFailed"/> marks a store entry whose AES-GCM tag did not verify (tampering or another key).</summary>
internal sealed record CertificateLoadError(string Path, string Reason, bool AuthenticationFailed = false);
