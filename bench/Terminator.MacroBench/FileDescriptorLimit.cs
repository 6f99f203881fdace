using System.Runtime.InteropServices;

namespace Terminator.MacroBench;

/// <summary>
/// This process's RLIMIT_NOFILE: the idle-connection step holds thousands of client sockets at once. The .NET runtime
/// already lifts the soft limit to the hard one at start-up; this says what the limit is and lifts it again if a host
/// runtime did not, so a too-low hard limit is a clear error naming <c>ulimit -n</c> rather than failed connects.
/// </summary>
internal static partial class FileDescriptorLimit
{
    private const int RlimitNofile = 7;

    /// <summary>Raises the soft limit towards <paramref name="wanted"/> (never above the hard limit); returns the soft
    /// limit in force afterwards.</summary>
    public static long Ensure(long wanted)
    {
        if (getrlimit(RlimitNofile, out Rlimit limit) != 0) return -1;
        if ((long)limit.Current < wanted && limit.Current < limit.Maximum)
        {
            var raised = new Rlimit { Current = Math.Min((ulong)wanted, limit.Maximum), Maximum = limit.Maximum };
            if (setrlimit(RlimitNofile, in raised) == 0) limit = raised;
        }

        return (long)limit.Current;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out Rlimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in Rlimit limit);
}
