namespace Terminator.Certificates;

/// <summary>How a certificate folder's files are stat'ed: <see cref="FileVersion.Of(string, out bool)"/>, behind a
/// seam so tests can count what a rescan costs instead of timing it.</summary>
internal class FileProbe
{
    /// <summary>The real file system.</summary>
    public static FileProbe System { get; } = new();

    /// <summary>Stats <paramref name="path"/> (following a link; <paramref name="isLink"/> says whether it was one).</summary>
    public virtual FileVersion Stat(string path, out bool isLink) => FileVersion.Of(path, out isLink);
}
