using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Terminator.Infrastructure;

/// <summary>
/// A <see cref="PipeWriter"/> over a stream that holds nothing but its fields while it is empty: each flush writes its
/// blocks (<see cref="PipeBlock"/>) to the stream in order and gives them back to <see cref="PipeBlockPool"/>. The
/// client connection's writer, for the reason <see cref="CompactStreamPipeReader"/> gives.
/// </summary>
/// <remarks>
/// What the proxy needs and no more: cancellation through the flush's token only (<see cref="CancelPendingFlush"/> is
/// not supported), the stream left open. A flush that fails or is cancelled keeps the blocks it did not write, and
/// <see cref="CompleteAsync"/> with an exception discards them (the proxy's abandoned end); without one it writes them,
/// as <c>StreamPipeWriter</c> does. <see cref="Complete"/> discards, never blocking on the stream.
/// </remarks>
internal sealed class CompactStreamPipeWriter(Stream stream, PipeBlockPool? pool = null) : PipeWriter
{
    private readonly PipeBlockPool _pool = pool ?? PipeBlockPool.Instance;
    private PipeBlock? _head;
    private PipeBlock? _tail;
    private bool _completed;

    /// <summary>Whether any block is held now (tests).</summary>
    internal bool HoldsBlocks => _head is not null;

    public override Memory<byte> GetMemory(int sizeHint = 0) => TailWithRoom(sizeHint).FreeMemory;

    public override Span<byte> GetSpan(int sizeHint = 0) => TailWithRoom(sizeHint).FreeSpan;

    public override void Advance(int bytes)
    {
        if (_tail is null)
        {
            ArgumentOutOfRangeException.ThrowIfNotEqual(bytes, 0);
            return;
        }

        _tail.Grow(bytes);
    }

    private PipeBlock TailWithRoom(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        int needed = Math.Max(sizeHint, 1);
        if (_tail is not null && _tail.Free >= needed)
        {
            return _tail;
        }

        // A head larger than a block gets a one-off block of its size.
        PipeBlock block = needed <= PipeBlockPool.BlockSize ? _pool.RentBlock() : new PipeBlock(pool: null, needed);
        if (_tail is null)
        {
            block.Start(0);
            _head = block;
        }
        else
        {
            _tail.Append(block);
        }

        _tail = block;
        return block;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_head is null)
        {
            return new ValueTask<FlushResult>(default(FlushResult));
        }

        return cancellationToken.IsCancellationRequested
            ? ValueTask.FromCanceled<FlushResult>(cancellationToken)
            : WriteBlocksAsync(cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> WriteBlocksAsync(CancellationToken cancellationToken)
    {
        while (_head is { } block)
        {
            if (block.End > 0)
            {
                await stream.WriteAsync(block.Memory, cancellationToken).ConfigureAwait(false);
            }

            _head = (PipeBlock?)block.Next;
            if (_head is null)
            {
                _tail = null;
            }

            block.Dispose();
        }

        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        return default;
    }

    /// <summary>Not supported: the proxy bounds a flush through its token.</summary>
    public override void CancelPendingFlush() => throw new NotSupportedException("Cancel the flush through its token.");

    /// <summary>Discards whatever was not flushed (no blocking write on the stream); the stream stays open.</summary>
    public override void Complete(Exception? exception = null)
    {
        _completed = true;
        ReleaseAll();
    }

    /// <summary>Writes what is still buffered unless <paramref name="exception"/> says the connection failed, then gives
    /// the blocks back; the stream stays open.</summary>
    public override async ValueTask CompleteAsync(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        try
        {
            if (exception is null && _head is not null)
            {
                await WriteBlocksAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            Complete(exception);
        }
    }

    private void ReleaseAll()
    {
        PipeBlock.DisposeChain(_head);
        _head = _tail = null;
    }
}
