namespace Terminator.Certificates;

/// <summary>Outcome of <see cref="CertificateLoader.LoadDirectory"/>: what loaded, what did not, and what loaded
/// with a problem.</summary>
internal sealed class CertificateDirectoryLoadResult
{
    internal CertificateDirectoryLoadResult(
        IReadOnlyList<CertificateEntry> entries,
        IReadOnlyList<CertificateLoadError> errors,
        IReadOnlyList<CertificateLoadError> warnings)
    {
        Entries = entries;
        Errors = errors;
        Warnings = warnings;
    }

    /// <summary>
    /// Loaded entries, ordered by <see cref="CertificateEntry.NotAfter"/> ascending, then by
    /// <see cref="CertificateEntry.Source"/> (ordinal), so results and logs do not depend on load order. Which entry a
    /// name claimed by several files serves is decided per handshake by <see cref="CertificateMap"/> (newest valid
    /// certificate of the family the client accepts), whatever order they are added in.
    /// </summary>
    public IReadOnlyList<CertificateEntry> Entries { get; }

    /// <summary>Files that were skipped, ordered by path.</summary>
    public IReadOnlyList<CertificateLoadError> Errors { get; }

    /// <summary>
    /// Files that loaded but deserve attention, ordered by path: expired or not-yet-valid certificates (still loaded,
    /// see <see cref="CertificateLoader"/>), and private key files readable by other users.
    /// </summary>
    public IReadOnlyList<CertificateLoadError> Warnings { get; }
}
