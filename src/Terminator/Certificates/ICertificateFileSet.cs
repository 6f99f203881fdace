namespace Terminator.Certificates;

/// <summary>
/// The files one <see cref="CertificateDirectoryWatcher"/> follows and how each becomes an entry: the read-only PEM
/// folder (<see cref="PemCertificateFileSet"/>) or the encrypted store's entry files.
/// </summary>
internal interface ICertificateFileSet
{
    /// <summary>The folder to watch.</summary>
    string Directory { get; }

    /// <summary>Whether changes below sub-folders matter (certbot's <c>live/&lt;name&gt;/</c>).</summary>
    bool IncludeSubdirectories { get; }

    /// <summary>How long notifications are collected before they are acted on.</summary>
    TimeSpan Debounce { get; }

    /// <summary>Maps a file-system notification to the one file to re-check: true with a path, true with null when
    /// the change does not concern certificates, false when only a full rescan can tell.</summary>
    bool TryMapChange(string changedPath, out string? candidate);

    /// <summary>Every file that should be loaded now, sorted; files that cannot even be listed go to <paramref name="errors"/>.</summary>
    List<string> FindFiles(List<CertificateLoadError> errors);

    /// <summary>
    /// What a file that fails to load means. True: the file is in its final state (an entry written whole by rename,
    /// with no companion file), so the entry it used to serve is dropped, and the file is not tried again until it
    /// changes. False: the failure may be a renewal caught half-way (certbot writes the key and the chain separately),
    /// so the previous certificate keeps serving and the file is retried on every rescan.
    /// </summary>
    bool FailedLoadIsFinal { get; }

    /// <summary>Loads one file. <paramref name="companionPath"/> is a second file whose changes count as changes of this
    /// one (the private key of a PEM pair), or null.</summary>
    /// <exception cref="CertificateLoadException">The file cannot be served; the message says why.</exception>
    /// <exception cref="IOException">The file cannot be read right now; nothing is known about its content.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened right now.</exception>
    CertificateEntry Load(string path, out string? companionPath);

    /// <summary>Loads one file, given the version the watcher probed just before (one stat per file, shared): a file set
    /// with an index (the store) uses it to decide whether its index still describes the file. The default ignores it.</summary>
    CertificateEntry Load(string path, FileVersion version, out string? companionPath) => Load(path, out companionPath);

    /// <summary>Called before a rescan loads the files that changed (<paramref name="fullScan"/>: after
    /// <see cref="FindFiles"/>), never concurrently with another rescan.</summary>
    void BeginLoads(bool fullScan)
    {
    }

    /// <summary>Called after a rescan's loads (the store writes its index here).</summary>
    void EndLoads(bool fullScan)
    {
    }

    /// <summary>
    /// A cheap version of everything a full rescan would list (the store: its directory's mtime, ctime and inode, which
    /// every write-then-rename and every removal moves), or null when the file set has none (a PEM folder: certbot
    /// edits files below sub-folders). While it is unchanged the periodic rescan lists nothing and only re-stats a
    /// bounded slice of the loaded files.
    /// </summary>
    FileVersion? ProbeFolder() => null;
}
