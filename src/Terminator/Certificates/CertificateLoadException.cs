namespace Terminator.Certificates;

/// <summary>A certificate file that cannot be served; the message is the reason, never key material.</summary>
public sealed class CertificateLoadException : Exception
{
    public CertificateLoadException()
        : this(string.Empty, "cannot load certificate")
    {
    }

    public CertificateLoadException(string message)
        : this(string.Empty, message)
    {
    }

    public CertificateLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = string.Empty;
    }

    public CertificateLoadException(string path, string reason, Exception? innerException = null)
        : base(reason, innerException)
    {
        Path = path;
    }

    public string Path { get; }
}

/// <summary>A file that was skipped (in <see cref="CertificateDirectoryLoadResult.Errors"/>) or loaded with a caveat (in Warnings).</summary>
public sealed record CertificateLoadError(string Path, string Reason);

/// <summary>What a directory scan produced: the servable entries, the files skipped and why, and caveats on loaded ones.</summary>
public sealed class CertificateDirectoryLoadResult(IReadOnlyList<CertificateEntry> entries, IReadOnlyList<CertificateLoadError> errors, IReadOnlyList<CertificateLoadError> warnings)
{
    /// <summary>Entries ordered by NotAfter (oldest first), so applying them in order lets the latest certificate win a shared name.</summary>
    public IReadOnlyList<CertificateEntry> Entries { get; } = entries;
    public IReadOnlyList<CertificateLoadError> Errors { get; } = errors;
    public IReadOnlyList<CertificateLoadError> Warnings { get; } = warnings;
}
