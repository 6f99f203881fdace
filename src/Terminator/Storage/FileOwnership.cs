using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Terminator.Storage;

/// <summary>
/// Keeps what root writes into a directory another account owns readable by that account: <c>sudo terminator certs
/// import</c> (or a certbot deploy hook, which runs as root) writing into the store of a daemon that runs as
/// <c>User=terminator</c> (native/terminator.service). Files are created 600, so a root-owned entry would be one the
/// daemon cannot open; each new file (and directory) is given to the owner of the directory it is created in. Only root
/// may chown, and only root needs to: for every other process (the daemon itself) this does nothing.
/// </summary>
internal static class FileOwnership
{
    private const int AtFdCwd = -100;     // AT_FDCWD
    private const uint StatxUidGid = 0x8 | 0x10; // STATX_UID | STATX_GID

    private static readonly bool s_isRoot = geteuid() == 0;

    /// <summary>Gives <paramref name="file"/> (just created in <paramref name="directory"/>) to the directory's owner
    /// when this process is root and the directory belongs to someone else.</summary>
    /// <exception cref="IOException">The owner cannot be set.</exception>
    public static void MatchDirectory(SafeFileHandle file, string directory)
    {
        if (s_isRoot && TryGetForeignOwner(directory, out uint uid, out uint gid) && fchown(file, uid, gid) != 0)
        {
            throw new IOException($"cannot give the new file in '{directory}' to its owner (uid {uid}): errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Gives <paramref name="directory"/> (just created) to the owner of its parent, as above.</summary>
    /// <exception cref="IOException">The owner cannot be set.</exception>
    public static void MatchParent(string directory)
    {
        string? parent = Path.GetDirectoryName(Path.GetFullPath(directory));
        if (s_isRoot && parent is not null && TryGetForeignOwner(parent, out uint uid, out uint gid) && chown(directory, uid, gid) != 0)
        {
            throw new IOException($"cannot give '{directory}' to the owner of '{parent}' (uid {uid}): errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>The owner of <paramref name="path"/> when it is known and not root.</summary>
    private static bool TryGetForeignOwner(string path, out uint uid, out uint gid)
    {
        // statx(2), not stat(2): its buffer has one layout on every architecture, so no per-ABI struct is needed. Where
        // it is unavailable (a kernel before 4.11, a seccomp filter) the file stays root's, as before this existed.
        if (statx(AtFdCwd, path, 0, StatxUidGid, out StatxBuffer buffer) != 0 || (buffer.Mask & StatxUidGid) != StatxUidGid)
        {
            (uid, gid) = (0, 0);
            return false;
        }

        (uid, gid) = (buffer.Uid, buffer.Gid);
        return uid != 0;
    }

    /// <summary>The head of struct statx (linux/stat.h); the kernel fills all 256 bytes.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct StatxBuffer
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint LinkCount;
        public uint Uid;
        public uint Gid;
    }

#pragma warning disable SYSLIB1054, CA2101 // LibraryImport needs AllowUnsafeBlocks, off for this assembly; the string is marshalled as UTF-8 explicitly
    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint geteuid();

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int statx(int directoryDescriptor, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, out StatxBuffer buffer);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int fchown(SafeFileHandle descriptor, uint owner, uint group);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);
#pragma warning restore SYSLIB1054, CA2101
}
