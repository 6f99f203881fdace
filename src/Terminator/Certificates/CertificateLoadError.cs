namespace Terminator.Certificates;

/// <summary>A file that could not be loaded (or, in <see cref="CertificateDirectoryLoadResult.Warnings"/>, a file
/// that loaded with a problem worth an operator's attention). <paramref name="Reason"/> never contains key material.</summary>
public sealed record CertificateLoadError(string Path, string Reason);
