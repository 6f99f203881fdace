using System.Buffers;

namespace Terminator.Infrastructure;

/// <summary>
/// A duplex stream that first replays bytes already read from the socket (a peeked ClientHello, what followed a PROXY
/// protocol header in the same read), then reads the socket directly. Handing the next step this stream instead of a
/// pipe keeps the peek out of the data path afterwards: one copy of the bytes, no extra buffering layer per byte.
/// </summary>
internal sealed class PrefixedStream : Stream
{
    private readonly Stream _inner;
    private byte[]? _prefix;
    private int _prefixOffset;
    private readonly int _prefixLength;

    /// <param name="prefix">Rented from <see cref="ArrayPool{T}.Shared"/>; returned once replayed or on dispose.</param>
    public PrefixedStream(byte[] prefix, int prefixLength, Stream inner)
        : this(prefix, 0, prefixLength, inner)
    {
    }

    /// <param name="prefix">Rented from <see cref="ArrayPool{T}.Shared"/>; returned once replayed or on dispose.</param>
    /// <param name="offset">Where the bytes to replay start in <paramref name="prefix"/>.</param>
    /// <param name="count">How many bytes to replay; at least one.</param>
    public PrefixedStream(byte[] prefix, int offset, int count, Stream inner)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + count, prefix.Length);
        _prefix = prefix;
        _prefixOffset = offset;
        _prefixLength = offset + count;
        _inner = inner;
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_prefix is null)
        {
            return _inner.ReadAsync(buffer, cancellationToken);
        }

        if (buffer.IsEmpty)
        {
            // Zero-byte read: data is already available.
            return ValueTask.FromResult(0);
        }

        int count = Math.Min(buffer.Length, _prefixLength - _prefixOffset);
        _prefix.AsSpan(_prefixOffset, count).CopyTo(buffer.Span);
        _prefixOffset += count;
        if (_prefixOffset == _prefixLength)
        {
            ReturnPrefix();
        }

        return ValueTask.FromResult(count);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ReturnPrefix();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        ReturnPrefix();
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void ReturnPrefix()
    {
        byte[]? prefix = Interlocked.Exchange(ref _prefix, null);
        if (prefix is not null)
        {
            ArrayPool<byte>.Shared.Return(prefix);
        }
    }
}
