using System.Threading.Tasks.Sources;

namespace Terminator.Tls;

/// <summary>
/// The pin's side of its server stream: the first read returns <see cref="SslContextPinHello"/>'s record, every later
/// read waits forever, and writes go nowhere. A read that never completes, rather than an end of stream, is what lets
/// <see cref="SslContextPin.Release"/> end the pin without an exception: SslStream turns a read of 0 during a handshake
/// into an IOException that travels up through every async frame of the handshake.
/// </summary>
/// <remarks>
/// The waiting read is a <see cref="ValueTask{TResult}"/> over this object as an <see cref="IValueTaskSource{TResult}"/>
/// that drops the continuation it is given instead of storing it: nothing then refers to SslStream's suspended
/// handshake but the stream itself, so once the pin lets go of the stream the garbage collector reclaims all of it.
/// (One shared never-completing task would instead collect every pin's continuation, forever.)
/// </remarks>
internal sealed class SslContextPinTransport : Stream, IValueTaskSource<int>
{
    private int _helloSent;
    private int _waiting;

    /// <summary>True once the server asked for more than the hello: it has handed the hello to OpenSSL (creating its
    /// SSL on the SSL_CTX) and waits for the rest.</summary>
    public bool IsWaiting => Volatile.Read(ref _waiting) != 0;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ReadOnlySpan<byte> hello = SslContextPinHello.Record.Span;
        if (_helloSent < hello.Length)
        {
            // SslStream reads a record header first, then the rest: hand out what it asks for.
            int count = Math.Min(buffer.Length, hello.Length - _helloSent);
            hello.Slice(_helloSent, count).CopyTo(buffer.Span);
            _helloSent += count;
            return new ValueTask<int>(count);
        }

        Volatile.Write(ref _waiting, 1);
        return new ValueTask<int>(this, 0);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    // The server's answer (nothing, for a partial hello; an alert if it refused the hello) matters to no one.
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => default;

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Write(byte[] buffer, int offset, int count)
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => ValueTaskSourceStatus.Pending;

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        // Never called back: see the remarks.
    }

    int IValueTaskSource<int>.GetResult(short token) => throw new InvalidOperationException("The pin's read never completes.");
}
