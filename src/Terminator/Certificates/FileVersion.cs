using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Terminator.Certificates;

/// <summary>
/// What identifies one version of a file without reading it: size, modification time, status-change time (ctime) and
/// inode, from one <c>statx(2)</c>. The store index trusts a record only while all four still match: a write-then-rename
/// replacement gets a new inode, an in-place write moves ctime, and ctime cannot be set back by a process (unlike
/// mtime, which <c>touch -d</c> can forge), so a file cannot be changed and made to look as indexed.
/// </summary>
/// <param name="Length">Size in bytes, or -1 when the file does not exist (or cannot be stat'ed).</param>
/// <param name="ModifiedTicks">mtime as UTC ticks (100 ns since 0001-01-01).</param>
/// <param name="ChangedTicks">ctime as UTC ticks; 0 where statx is unavailable.</param>
/// <param name="Inode">Inode number; 0 where statx is unavailable.</param>
internal readonly record struct FileVersion(long Length, long ModifiedTicks, long ChangedTicks, ulong Inode)
{
    /// <summary>A file that does not exist.</summary>
    public static FileVersion Missing { get; } = new(-1, 0, 0, 0);

    /// <summary>True when the file existed when it was probed.</summary>
    public bool Exists => Length >= 0;

    /// <summary>mtime as a <see cref="DateTime"/> (UTC).</summary>
    public DateTime Modified => new(ModifiedTicks, DateTimeKind.Utc);

    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;
    private const ushort TypeMask = 0xF000;
    private const ushort SymbolicLink = 0xA000;
    private static bool s_statxMissing;

    [ThreadStatic]
    private static byte[]? t_buffer;

    /// <summary>Probes <paramref name="path"/>, following a symbolic link; <paramref name="isLink"/> says whether the path
    /// itself is one (certbot's live/ links), so the caller can resolve its target for a fingerprint.</summary>
    public static FileVersion Of(string path, out bool isLink)
    {
        isLink = false;
        if (!Volatile.Read(ref s_statxMissing))
        {
            byte[] buffer = t_buffer ??= new byte[StatxSize]; // a million probes at start-up: no buffer each
            try
            {
                // One call for a plain file (a store entry): lstat semantics first, to tell links apart.
                if (statx(-100 /* AT_FDCWD */, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
                {
                    return Missing;
                }

                if ((BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28)) & TypeMask) == SymbolicLink)
                {
                    isLink = true;
                    if (statx(-100, path, 0, StatxBasicStats, buffer) != 0)
                    {
                        return Missing;
                    }
                }

                return Parse(buffer);
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                Volatile.Write(ref s_statxMissing, true); // old libc: size and mtime only
            }
        }

        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return Missing;
            }

            isLink = (info.Attributes & FileAttributes.ReparsePoint) != 0;
            if (isLink)
            {
                FileSystemInfo? target = File.ResolveLinkTarget(path, returnFinalTarget: true);
                info = target is null ? info : new FileInfo(target.FullName);
                if (!info.Exists)
                {
                    return Missing;
                }
            }

            return new FileVersion(info.Length, info.LastWriteTimeUtc.Ticks, 0, 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Missing;
        }
    }

    /// <summary><see cref="Of(string, out bool)"/> when links do not matter.</summary>
    public static FileVersion Of(string path) => Of(path, out _);

    // struct statx (linux/stat.h, the same on every architecture): stx_ino @32, stx_size @40, stx_ctime @96,
    // stx_mtime @112; a statx_timestamp is i64 seconds + u32 nanoseconds.
    private static FileVersion Parse(ReadOnlySpan<byte> statx) => new(
        (long)BinaryPrimitives.ReadUInt64LittleEndian(statx[40..]),
        Ticks(statx[112..]),
        Ticks(statx[96..]),
        BinaryPrimitives.ReadUInt64LittleEndian(statx[32..]));

    private static long Ticks(ReadOnlySpan<byte> timestamp)
    {
        long seconds = BinaryPrimitives.ReadInt64LittleEndian(timestamp);
        uint nanoseconds = BinaryPrimitives.ReadUInt32LittleEndian(timestamp[8..]);
        return DateTime.UnixEpoch.Ticks + (seconds * TimeSpan.TicksPerSecond) + (nanoseconds / 100);
    }

#pragma warning disable SYSLIB1054, CA2101 // LibraryImport needs AllowUnsafeBlocks, off for this assembly; the string is marshalled as UTF-8 explicitly
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int statx(int directoryDescriptor, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
#pragma warning restore SYSLIB1054, CA2101
}
