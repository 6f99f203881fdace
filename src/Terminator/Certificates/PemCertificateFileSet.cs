namespace Terminator.Certificates;

/// <summary>A read-only PEM folder in any of the layouts <see cref="CertificateDirectoryScanner"/> recognises
/// (certbot, flat pairs, combined files) — what operators migrating from nginx or HAProxy already have.</summary>
internal sealed class PemCertificateFileSet(string directory) : ICertificateFileSet
{
    /// <inheritdoc />
    public string Directory { get; } = directory;

    /// <inheritdoc />
    public bool IncludeSubdirectories => true;

    /// <summary>certbot writes several files per renewal and repoints symlinks within milliseconds: let the burst settle.
    /// A rescan that still catches half a pair fails that load, keeps the old certificate serving, and the next
    /// notification brings another rescan.</summary>
    public TimeSpan Debounce => TimeSpan.FromMilliseconds(30);

    /// <summary>False: certbot replaces the chain and the key in separate steps, so a failing load may be a renewal
    /// caught half-way; the previous certificate keeps serving until the pair is whole again.</summary>
    public bool FailedLoadIsFinal => false;

    /// <summary>A key file, a symlink target or a renamed folder can change which files pair up: always rescan
    /// (PEM folders are what operators migrate from, thousands of files at most; the store is the scalable path).</summary>
    public bool TryMapChange(string changedPath, out string? candidate)
    {
        candidate = null;
        return false;
    }

    /// <inheritdoc />
    public List<string> FindFiles(List<CertificateLoadError> errors) =>
        System.IO.Directory.Exists(Directory) ? CertificateDirectoryScanner.FindCertificateFiles(Directory, errors) : [];

    /// <inheritdoc />
    public CertificateEntry Load(string path, out string? companionPath)
    {
        // Validated in full (key imported and matched), kept compact: the key is read again on first handshake.
        CertificateEntry entry = CertificateLoader.LoadFileCompact(path, out string keyPath);
        companionPath = keyPath;
        return entry;
    }
}
