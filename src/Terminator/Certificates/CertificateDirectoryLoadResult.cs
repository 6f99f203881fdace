namespace Terminator.Certificates;

/// <summary>Outcome of <see cref="CertificateLoader.LoadDirectory"/>: what loaded, what did not, and what loaded
/// with a problem.</summary>
public sealed class CertificateDirectoryLoadResult
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
    /// <see cref="CertificateEntry.Source"/> (ordinal). Applying them to a <see cref="CertificateMap"/> with
    /// <see cref="CertificateMap.Set"/> in this order makes the entry with the latest NotAfter own every name that
    /// several files claim (deterministic regardless of load order); <see cref="CertificateMap.SetAll"/> does exactly that.
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
