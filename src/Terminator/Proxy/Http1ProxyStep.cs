using System.IO.Pipelines;
using Terminator.Infrastructure;
using Terminator.Listener;

namespace Terminator.Proxy;

/// <summary>
/// The last step of a connection's pipeline, on both ports: the HTTP/1.1 proxy connection. It makes the pipes over the
/// transport it is given (decrypted on 443, the socket's on 80) and runs <see cref="Http1ProxyLoop"/> on them until
/// keep-alive ends; the loop then completes both pipes and tells the steps below when the transport must not be written
/// to again.
/// </summary>
internal sealed class Http1ProxyStep(ProxyContext context)
{
    // No zero-byte reads inside a request: they would cost an extra receive (and through SslStream an extra async hop)
    // per read. The loop makes one itself where it pays, while waiting for the next request (Http1ProxyLoop
    // .RunAsync, see IsInputBuffered), so an idle keep-alive connection holds neither this pipe's segment
    // nor SslStream's receive buffer.
    // Blocks from the proxy's own pool, not the shared ArrayPool, which keeps too few for the requests a pinned core has
    // in flight (PipeBlockPool).
    private static readonly StreamPipeReaderOptions s_readerOptions = new(PipeBlockPool.Instance, bufferSize: PipeBlockPool.BlockSize, minimumReadSize: 2048, leaveOpen: true, useZeroByteReads: false);
    private static readonly StreamPipeWriterOptions s_writerOptions = new(PipeBlockPool.Instance, minimumBufferSize: PipeBlockPool.BlockSize, leaveOpen: true);

    /// <summary>Runs the connection's loop, which completes the pipes and disposes itself at its end: not an async
    /// method, so an idle connection's chain holds no state machine of this step's.</summary>
    public Task OnConnectionAsync(ConnectionContext connection)
    {
        PipeReader input = PipeReader.Create(connection.Transport, s_readerOptions);
        PipeWriter output = PipeWriter.Create(connection.Transport, s_writerOptions);
        return new Http1ProxyLoop(context, connection, input, output, connection.Transport, endsConnection: true).RunAsync();
    }
}
