using System.Runtime.InteropServices;

namespace Terminator.Interop;

/// <summary>
/// Gives memory the C heap no longer uses back to the kernel. OpenSSL allocates every SSL_CTX, SSL and record buffer
/// with glibc's malloc, which keeps what is freed in its arenas (up to eight per core) for reuse: after a load peak the
/// process stays at its peak RSS although little of it is in use (a soak: 57 MiB held in the arenas, 13 MiB in use;
/// <c>malloc_trim(0)</c> returned 33 MiB). Not a hot path: called a few times a minute at most
/// (<c>Hosting.NativeMemoryTrimmer</c>).
/// </summary>
internal static class NativeHeap
{
    private static int s_unavailable = OperatingSystem.IsLinux() ? 0 : 1;

    /// <summary>
    /// <c>malloc_trim(0)</c>: releases the free memory of every arena (glibc 2.8+ also the free pages inside them, not only
    /// at their tops). False when nothing was released, or when the C library has no such call (musl, not Linux): then
    /// never tried again.
    /// </summary>
    public static bool TryTrim()
    {
        if (Volatile.Read(ref s_unavailable) != 0)
        {
            return false;
        }

        try
        {
            return NativeMethods.malloc_trim(0) != 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref s_unavailable, 1);
            return false;
        }
    }

    private static class NativeMethods
    {
        // glibc's soname: a musl system has no libc.so.6 (and no malloc_trim), which TryTrim takes as "not available".
        [DllImport("libc.so.6", ExactSpelling = true)]
        public static extern int malloc_trim(nuint pad);
    }
}
