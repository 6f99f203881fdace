using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Terminator.Infrastructure;

/// <summary>
/// A <see cref="PipeReader"/> over a stream that holds nothing but its fields while it is empty: its blocks
/// (<see cref="PipeBlock"/>) go back to <see cref="PipeBlockPool"/> as soon as everything is consumed, and it keeps no
/// lock, segment stack or cancellation source. The client connection's reader: an idle keep-alive connection keeps
/// its pipes for its whole life, and <c>PipeReader.Create</c>'s reader and writer hold ~0.5 KiB between them when empty
/// (bench/README.md, "What an idle TLS connection holds").
/// </summary>
/// <remarks>
/// What the proxy needs and no more: one reader at a time, cancellation through the token only
/// (<see cref="CancelPendingRead"/> is not supported), the stream left open. A read fills the last block when it has
/// at least the minimum read size free, else a new one; a read's token goes to the stream's read as it is, so a
/// cancelled read throws <see cref="OperationCanceledException"/> (as <c>StreamPipeReader</c> does for a caller's token).
/// </remarks>
internal sealed class CompactStreamPipeReader : PipeReader
{
    private readonly Stream _stream;
    private readonly int _minimumReadSize;
    private readonly PipeBlockPool _pool;
    private PipeBlock? _head;
    private int _headStart;
    private PipeBlock? _tail;
    private long _buffered;
    // The caller examined every buffered byte: the next read waits for more instead of returning them again.
    private bool _examinedEverything;
    private bool _streamEnded;
    private bool _completed;

    /// <param name="minimumReadSize">The least room a read asks the stream to fill (1 to a block): a new block is taken
    /// below it.</param>
    /// <param name="pool">Where blocks come from; the process's pool unless given (tests).</param>
    public CompactStreamPipeReader(Stream stream, int minimumReadSize, PipeBlockPool? pool = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumReadSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minimumReadSize, PipeBlockPool.BlockSize);
        _stream = stream;
        _minimumReadSize = minimumReadSize;
        _pool = pool ?? PipeBlockPool.Instance;
    }

    /// <summary>Whether any block is held now (tests).</summary>
    internal bool HoldsBlocks => _head is not null;

    public override bool TryRead(out ReadResult result)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_buffered > 0 && !_examinedEverything)
        {
            result = new ReadResult(Buffered(), isCanceled: false, isCompleted: _streamEnded);
            return true;
        }

        result = default;
        return false;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (TryRead(out ReadResult result))
        {
            return new ValueTask<ReadResult>(result);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }

        return _streamEnded
            ? new ValueTask<ReadResult>(new ReadResult(Buffered(), isCanceled: false, isCompleted: true))
            : ReadFromStreamAsync(cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReadFromStreamAsync(CancellationToken cancellationToken)
    {
        PipeBlock tail = TailWithRoom();
        int read;
        try
        {
            read = await _stream.ReadAsync(tail.FreeMemory, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (_buffered == 0)
            {
                ReleaseAll(); // a cancelled or failed wait holds no block
            }

            throw;
        }

        if (read == 0)
        {
            _streamEnded = true;
        }
        else
        {
            tail.Grow(read);
            _buffered += read;
            _examinedEverything = false;
        }

        if (_buffered == 0)
        {
            ReleaseAll(); // the end of the stream, nothing buffered: the block rented for the read goes back
        }

        return new ReadResult(Buffered(), isCanceled: false, isCompleted: _streamEnded);
    }

    private PipeBlock TailWithRoom()
    {
        if (_tail is null)
        {
            _head = _tail = _pool.RentBlock();
            _tail.Start(0);
            _headStart = 0;
        }
        else if (_tail.Free < _minimumReadSize)
        {
            PipeBlock next = _pool.RentBlock();
            _tail.Append(next);
            _tail = next;
        }

        return _tail;
    }

    private ReadOnlySequence<byte> Buffered() =>
        _buffered == 0 ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_head!, _headStart, _tail!, _tail!.End);

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (consumed.GetObject() is not PipeBlock consumedBlock)
        {
            return; // a position in the empty sequence: nothing to consume, nothing new examined
        }

        int consumedIndex = consumed.GetInteger();
        PipeBlock head = _head ?? throw new InvalidOperationException("Nothing is buffered to consume.");
        long consumedBytes = consumedBlock.RunningIndex + consumedIndex - (head.RunningIndex + _headStart);
        if ((ulong)consumedBytes > (ulong)_buffered)
        {
            throw new InvalidOperationException("The consumed position is outside the buffered bytes.");
        }

        if (examined.GetObject() is PipeBlock examinedBlock
            && examinedBlock.RunningIndex + examined.GetInteger() < consumedBlock.RunningIndex + consumedIndex)
        {
            throw new InvalidOperationException("The examined position is before the consumed one.");
        }

        _buffered -= consumedBytes;
        _examinedEverything = examined.GetObject() == _tail && examined.GetInteger() == _tail!.End;
        if (_buffered == 0)
        {
            ReleaseAll();
            return;
        }

        // Blocks wholly consumed go back; a consumed position at a block's end moves on to the next one.
        if (consumedIndex == consumedBlock.End && consumedBlock != _tail)
        {
            consumedBlock = (PipeBlock)consumedBlock.Next!;
            consumedIndex = 0;
        }

        while (_head != consumedBlock)
        {
            PipeBlock done = _head!;
            _head = (PipeBlock?)done.Next;
            done.Dispose();
        }

        _headStart = consumedIndex;
    }

    private void ReleaseAll()
    {
        PipeBlock.DisposeChain(_head);
        _head = _tail = null;
        _headStart = 0;
        _buffered = 0;
        _examinedEverything = false;
    }

    /// <summary>Not supported: the proxy cancels a read through its token.</summary>
    public override void CancelPendingRead() => throw new NotSupportedException("Cancel the read through its token.");

    /// <summary>Gives back whatever is buffered; the stream stays open (its owner disposes it).</summary>
    public override void Complete(Exception? exception = null)
    {
        if (!_completed)
        {
            _completed = true;
            ReleaseAll();
        }
    }
}
