using System.Buffers;
using Terminator.Infrastructure;

namespace Terminator.Tests.Infrastructure;

public sealed class PipeBlockPoolTests
{
    [Fact]
    public void ReturnedBlock_IsRentedAgain_WithoutAllocating()
    {
        var pool = new PipeBlockPool();
        IMemoryOwner<byte> first = pool.Rent(PipeBlockPool.BlockSize);
        Assert.Equal(PipeBlockPool.BlockSize, first.Memory.Length);
        first.Dispose();

        // Warm: the JIT and the first rent's own allocations are behind us.
        pool.Rent().Dispose();
        long before = GC.GetAllocatedBytesForCurrentThread();
        IMemoryOwner<byte> again = pool.Rent();
        again.Dispose();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Same(first, again);
    }

    [Fact]
    public void DisposedTwice_IsKeptOnce_SoTwoRentersNeverShareABlock()
    {
        var pool = new PipeBlockPool();
        IMemoryOwner<byte> block = pool.Rent();
        block.Dispose();
        block.Dispose();
        Assert.Equal(1, pool.Retained);

        IMemoryOwner<byte> a = pool.Rent();
        IMemoryOwner<byte> b = pool.Rent();
        Assert.NotSame(a, b);
    }

    [Fact]
    public void AfterABurst_AtMostMaxRetainedBlocksStay()
    {
        var pool = new PipeBlockPool();
        var rented = new IMemoryOwner<byte>[PipeBlockPool.MaxRetained + 100];
        for (int i = 0; i < rented.Length; i++)
        {
            rented[i] = pool.Rent();
        }

        foreach (IMemoryOwner<byte> block in rented)
        {
            block.Dispose();
        }

        Assert.Equal(PipeBlockPool.MaxRetained, pool.Retained);
    }

    [Fact]
    public void LargerThanABlock_IsRefused_ThePipeRentsThoseElsewhere()
    {
        var pool = new PipeBlockPool();
        Assert.Equal(PipeBlockPool.BlockSize, pool.MaxBufferSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(PipeBlockPool.BlockSize + 1));
    }
}
