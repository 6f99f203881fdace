using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Terminator.Storage;

/// <summary>
/// Crash-safe file replacement: write a hidden temp file in the same directory, fsync it, rename(2) it over the
/// target (atomic on POSIX file systems: a reader opens the old file or the new one, never a mix), then fsync the
/// directory so the rename itself survives a power cut (without it ext4/xfs may lose the new directory entry).
/// </summary>
internal static class AtomicFile
{
    /// <summary>Prefix of temp files; readers skip names starting with '.'.</summary>
    public const string TempPrefix = ".tmp-";

    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        (string directory, string temp) = TempPathFor(path);
        try
        {
            using (FileStream stream = CreateTemp(temp, directory))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true); // fsync(2): data on disk before the rename makes it visible
            }

            File.Move(temp, path, overwrite: true); // rename(2)
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        FlushDirectory(directory);
    }

    /// <summary>
    /// The same for content too large to hold in memory at once (a snapshot of a million managed domains):
    /// <paramref name="writeContent"/> writes it to the temp file's stream, which is then fsynced and renamed.
    /// </summary>
    public static void Write(string path, Action<Stream> writeContent)
    {
        ArgumentNullException.ThrowIfNull(writeContent);
        (string directory, string temp) = TempPathFor(path);
        try
        {
            using (FileStream stream = CreateTemp(temp, directory))
            {
                writeContent(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        FlushDirectory(directory);
    }

    private static (string Directory, string Temp) TempPathFor(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        return (directory, Path.Combine(directory, $"{TempPrefix}{Path.GetFileName(path)}-{Guid.NewGuid():N}"));
    }

    private static FileStream CreateTemp(string temp, string directory)
    {
        var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite, // 600: store entries hold ciphertext, still nobody else's business
            BufferSize = 64 * 1024,
        });
        try
        {
            // Before the rename: the entry appears already owned by whoever owns the store (root writing for the daemon).
            FileOwnership.MatchDirectory(stream.SafeFileHandle, directory);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Deletes <paramref name="path"/> durably; false when it did not exist.</summary>
    public static bool Delete(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        FlushDirectory(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
        return true;
    }

    /// <summary>
    /// fsync(2) on the directory. File.OpenHandle refuses directories on Linux (it reports EACCES), so the descriptor
    /// comes from open(2) directly, wrapped in a SafeFileHandle so RandomAccess.FlushToDisk issues the fsync and
    /// disposal closes it.
    /// </summary>
    /// <exception cref="IOException">The directory cannot be opened or synced.</exception>
    internal static void FlushDirectory(string directory)
    {
        const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY (0) | O_CLOEXEC (02000000, the same on x86-64 and arm64)
        int descriptor = open(directory, ReadOnlyCloseOnExec);
        if (descriptor < 0)
        {
            throw new IOException($"cannot open directory '{directory}' to fsync it (errno {Marshal.GetLastPInvokeError()})");
        }

        using var handle = new SafeFileHandle(descriptor, ownsHandle: true);
        RandomAccess.FlushToDisk(handle);
    }

#pragma warning disable SYSLIB1054, CA2101 // LibraryImport needs AllowUnsafeBlocks, off for this assembly; the string is marshalled as UTF-8 explicitly
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
#pragma warning restore SYSLIB1054, CA2101

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover hidden temp file is ignored by readers.
        }
    }
}
