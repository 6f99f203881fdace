using System.Buffers;

namespace Terminator.Benchmarks;

/// <summary>
/// A pool of fixed 4 KiB blocks that allocates only when it is empty: the in-memory client pipes of
/// <see cref="ConcurrentProxyLoopBenchmark"/> use it, so the bytes a run reports are the proxy's and not the shared
/// ArrayPool's misses (it keeps ~32 arrays per core, fewer than 64 connections' pipes hold at once).
/// </summary>
internal sealed class BlockMemoryPool : MemoryPool<byte>
{
    private const int BlockSize = 4096;
    private readonly Stack<Block> _free = new();

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        lock (_free)
        {
            if (_free.TryPop(out Block? block))
            {
                return block;
            }
        }

        return new Block(this);
    }

    protected override void Dispose(bool disposing)
    {
    }

    private void Return(Block block)
    {
        lock (_free)
        {
            _free.Push(block);
        }
    }

    private sealed class Block(BlockMemoryPool pool) : IMemoryOwner<byte>
    {
        private readonly byte[] _array = new byte[BlockSize];

        public Memory<byte> Memory => _array;

        public void Dispose() => pool.Return(this);
    }
}
