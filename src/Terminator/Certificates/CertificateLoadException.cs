namespace Terminator.Certificates;

/// <summary>A certificate file could not be turned into a <see cref="CertificateEntry"/>. The message is the reason
/// (for example "private key does not match the certificate"); it never contains key material.</summary>
internal sealed class CertificateLoadException : Exception
{
    /// <summary>Creates an exception for <paramref name="path"/> with a human-readable <paramref name="reason"/>.</summary>
    public CertificateLoadException(string path, string reason)
        : base(reason)
    {
        Path = path;
    }

    /// <summary>Creates an exception for <paramref name="path"/> caused by <paramref name="innerException"/>.</summary>
    public CertificateLoadException(string path, string reason, Exception? innerException)
        : base(reason, innerException)
    {
        Path = path;
    }

    /// <summary>Standard constructor; <see cref="Path"/> is empty.</summary>
    public CertificateLoadException()
    {
        Path = string.Empty;
    }

    /// <summary>Standard constructor; <see cref="Path"/> is empty.</summary>
    public CertificateLoadException(string message)
        : base(message)
    {
        Path = string.Empty;
    }

    /// <summary>Standard constructor; <see cref="Path"/> is empty.</summary>
    public CertificateLoadException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Path = string.Empty;
    }

    /// <summary>The file (or source label) that failed to load.</summary>
    public string Path { get; }

    /// <summary>True for a store entry whose AES-GCM tag did not verify: tampering, or a different store key.</summary>
    public bool AuthenticationFailed { get; init; }
}
