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
    // The least room a read of the client pipe asks the stream to fill: a new block is taken below it.
    private const int MinimumReadSize = 2048;

    /// <summary>Runs the connection's loop, which completes the pipes and disposes itself at its end: not an async
    /// method, so an idle connection's chain holds no state machine of this step's.</summary>
    public Task OnConnectionAsync(ConnectionContext connection)
    {
        // Pipes that hold nothing while empty, as they are between requests (CompactStreamPipeReader). No zero-byte reads
        // inside a request: they would cost an extra receive (and through SslStream an extra async hop) per read. The
        // loop makes one itself where it pays, while waiting for the next request (Http1ProxyLoop.RunAsync, see
        // IsInputBuffered), so an idle keep-alive connection holds neither a pipe block nor SslStream's receive buffer.
        // Blocks come from the proxy's own pool, not the shared ArrayPool, which keeps too few for the requests a
        // pinned core has in flight (PipeBlockPool).
        var input = new CompactStreamPipeReader(connection.Transport, MinimumReadSize);
        var output = new CompactStreamPipeWriter(connection.Transport);
        return new Http1ProxyLoop(context, connection, input, output, connection.Transport, endsConnection: true).RunAsync();
    }
}
