using System.Buffers;

namespace Terminator.Http;

/// <summary>
/// The pools <see cref="HttpHeadStorage"/> rents head bytes and field offsets from: sized for the requests in flight at
/// once, not for the cores.
/// </summary>
/// <remarks>
/// <see cref="ArrayPool{T}.Shared"/> keeps one array per size per thread plus 32 per core, and an edge daemon is pinned
/// to one or two cores while every keep-alive connection holds its request's head from parse to response. With 64
/// connections in flight on one pinned core the shared pool missed on most rents: ~44 MiB of byte arrays allocated in
/// an 8 s trace of the macro keep-alive step (dotnet-trace GC AllocationTick, 34% of everything the daemon allocated,
/// bench/README "Allocation per keep-alive request"). These pools keep up to <see cref="ArraysPerSize"/> arrays per
/// power-of-two size, up to <see cref="MaxPooledLength"/>; a longer head (TERMINATOR_MAX_HEADER_BYTES above it) is
/// allocated and left to the GC, as the shared pool does above its largest size. Worst case retained after a burst of
/// the largest heads: 256 × (64 KiB + 32 KiB + …) ≈ 32 MiB of bytes, bounded.
/// </remarks>
internal static class HttpHeadBufferPool
{
    /// <summary>Arrays kept per size: above the requests a pinned core has in flight at its saturation (64-200).</summary>
    public const int ArraysPerSize = 256;

    /// <summary>The largest array pooled: twice the default TERMINATOR_MAX_HEADER_BYTES (32 KiB).</summary>
    public const int MaxPooledLength = 64 * 1024;

    /// <summary>Head bytes.</summary>
    public static ArrayPool<byte> Bytes { get; } = ArrayPool<byte>.Create(MaxPooledLength, ArraysPerSize);

    /// <summary>Field offsets (five ints per field line).</summary>
    public static ArrayPool<int> Fields { get; } = ArrayPool<int>.Create(MaxPooledLength / sizeof(int), ArraysPerSize);
}
