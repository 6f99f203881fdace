using System.Buffers;

namespace Terminator.Infrastructure;

/// <summary>
/// One 4 KiB block of <see cref="PipeBlockPool"/>, which is also a segment of a byte sequence: the pipes that read and
/// write through it (<see cref="CompactStreamPipeReader"/>, <see cref="CompactStreamPipeWriter"/>) chain blocks into a
/// <see cref="ReadOnlySequence{T}"/> without a segment object of their own. <see cref="End"/> counts the bytes written
/// into it; the sequence sees those.
/// </summary>
internal sealed class PipeBlock : ReadOnlySequenceSegment<byte>, IMemoryOwner<byte>
{
    private readonly PipeBlockPool? _pool;
    private readonly byte[] _array;
    private int _end;

    /// <param name="pool">The pool it goes back to; null for a one-off block larger than the pool's (a response head
    /// over 4 KiB), left to the GC.</param>
    internal PipeBlock(PipeBlockPool? pool, int size)
    {
        _pool = pool;
        _array = GC.AllocateUninitializedArray<byte>(size, pinned: pool is not null);
    }

    /// <summary>Out of the pool (a second <see cref="Dispose"/> must not return it twice).</summary>
    internal bool Rented { get; set; } = true;

    /// <summary>The whole block, written or not (its <see cref="IMemoryOwner{T}"/> face).</summary>
    Memory<byte> IMemoryOwner<byte>.Memory => _array;

    /// <summary>The bytes written into the block so far.</summary>
    public int End => _end;

    /// <summary>Room left after <see cref="End"/>.</summary>
    public int Free => _array.Length - _end;

    /// <summary>The room after <see cref="End"/>, to read or write into.</summary>
    public Memory<byte> FreeMemory => _array.AsMemory(_end);

    public Span<byte> FreeSpan => _array.AsSpan(_end);

    /// <summary>Makes the block the first of a sequence: empty, no successor.</summary>
    public void Start(long runningIndex)
    {
        _end = 0;
        Memory = ReadOnlyMemory<byte>.Empty;
        Next = null;
        RunningIndex = runningIndex;
    }

    /// <summary>Counts <paramref name="count"/> more bytes as written.</summary>
    public void Grow(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)count, (uint)Free, nameof(count));
        _end += count;
        Memory = _array.AsMemory(0, _end);
    }

    /// <summary>Appends <paramref name="next"/> after this block, whose bytes are then final.</summary>
    public void Append(PipeBlock next)
    {
        next.Start(RunningIndex + _end);
        Next = next;
    }

    /// <summary>Gives back <paramref name="first"/> and every block after it.</summary>
    public static void DisposeChain(PipeBlock? first)
    {
        while (first is not null)
        {
            var next = (PipeBlock?)first.Next;
            first.Dispose();
            first = next;
        }
    }

    public void Dispose()
    {
        // A second Dispose before the block is rented again must not put it in the free list twice (two renters would
        // share it). Blocks are given back once, by the pipe that holds them: a pool cannot tell a late second Dispose
        // from the next renter's.
        if (!Rented)
        {
            return;
        }

        Rented = false;
        Next = null;
        _pool?.Return(this);
    }
}
