using System.Buffers;

namespace Terminator.Infrastructure;

/// <summary>
/// The 4 KiB blocks the proxy's pipes (client and upstream, readers and writers) take their segments from: sized for
/// the requests in flight at once, not for the cores, like <see cref="Http.HttpHeadBufferPool"/>.
/// </summary>
/// <remarks>
/// A pipe on the default pool rents from <see cref="ArrayPool{T}.Shared"/>, which keeps one array per size per thread
/// plus 32 per core. Each request in flight holds a segment in its client pipe and one in its upstream reader while it
/// waits, so with 64 keep-alive connections on a pinned core most rents missed and allocated a fresh 4 KiB array:
/// ~1.9 KiB per request at 64 in flight (<c>ConcurrentProxyLoopBenchmark</c>, bench/README "Per-request async boxes").
/// Here a block (<see cref="PipeBlock"/>) is its own <see cref="IMemoryOwner{T}"/> and goes back on <see cref="IDisposable.Dispose"/>, so a rent
/// allocates nothing; the arrays live on the pinned object heap (sockets pin them on every I/O otherwise). At most
/// <see cref="MaxRetained"/> free blocks are kept (2 MiB); beyond that a returned block is left to the GC, so a burst
/// does not stay resident. An idle keep-alive connection holds none (its pipes are empty between requests).
/// </remarks>
internal sealed class PipeBlockPool : MemoryPool<byte>
{
    public const int BlockSize = 4096;

    /// <summary>Free blocks kept: above two per request at the in-flight counts a pinned core sees (64-200).</summary>
    public const int MaxRetained = 512;

    private readonly Lock _gate = new();
    private readonly PipeBlock?[] _free = new PipeBlock?[MaxRetained];
    private int _count;

    /// <summary>The process's pool (the pipes of every connection share it).</summary>
    public static PipeBlockPool Instance { get; } = new();

    public override int MaxBufferSize => BlockSize;

    /// <summary>Free blocks now (tests).</summary>
    internal int Retained => Volatile.Read(ref _count);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        return RentBlock();
    }

    /// <summary>A block as a segment of a byte sequence (<see cref="CompactStreamPipeReader"/>,
    /// <see cref="CompactStreamPipeWriter"/>); back to the pool with <see cref="PipeBlock.Dispose"/>. Its sequence state
    /// (bytes written, successor, running index) is whatever its last user left: the caller sets it
    /// (<see cref="PipeBlock.Start"/> or <see cref="PipeBlock.Append"/>) before anything else.</summary>
    public PipeBlock RentBlock()
    {
        lock (_gate)
        {
            if (_count > 0)
            {
                PipeBlock block = _free[--_count]!;
                _free[_count] = null;
                block.Rented = true;
                return block;
            }
        }

        return new PipeBlock(this, BlockSize);
    }

    protected override void Dispose(bool disposing)
    {
        // The shared pool lives for the process; blocks returned after this are simply kept or dropped as usual.
    }

    internal void Return(PipeBlock block)
    {
        lock (_gate)
        {
            if (_count < MaxRetained)
            {
                _free[_count++] = block;
            }
        }
    }
}
