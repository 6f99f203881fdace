namespace Terminator.Tests.TestHelpers;

/// <summary>
/// Wraps a client's transport: splits every write into flushed pieces of at most <see cref="WriteChunkSize"/> bytes (a
/// ClientHello trickling in over many TCP segments) and records every byte read, so tests can inspect the raw TLS
/// records the server sent (record types stay visible in TLS 1.2).
/// </summary>
public sealed class InstrumentedStream(Stream inner, int writeChunkSize = int.MaxValue) : Stream
{
    private readonly MemoryStream _received = new();

    public int WriteChunkSize { get; } = writeChunkSize;

    /// <summary>Every byte read from the inner stream so far.</summary>
    public byte[] Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToArray();
            }
        }
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await inner.ReadAsync(buffer, cancellationToken);
        lock (_received)
        {
            _received.Write(buffer.Span[..n]);
        }

        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        for (int offset = 0; offset < buffer.Length; offset += WriteChunkSize)
        {
            await inner.WriteAsync(buffer.Slice(offset, Math.Min(WriteChunkSize, buffer.Length - offset)), cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>TLS record content types (RFC 8446 §5.1) of the records in <paramref name="bytes"/>, in order.</summary>
    public static List<byte> RecordTypes(byte[] bytes)
    {
        var types = new List<byte>();
        for (int i = 0; i + 5 <= bytes.Length; i += 5 + ((bytes[i + 3] << 8) | bytes[i + 4]))
        {
            types.Add(bytes[i]);
        }

        return types;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            _received.Dispose();
        }

        base.Dispose(disposing);
    }
}
