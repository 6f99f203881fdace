using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Terminator.Listener;

namespace Terminator.Proxy;

/// <summary>
/// One connection on the plain-HTTP port: the same proxy loop with X-Forwarded-Proto: http, so old http:// tracking
/// links keep working.
/// </summary>
internal sealed class PlainHttpConnectionHandler : IConnectionHandler
{
    // No zero-byte reads: they cost an extra receive (and through SslStream an extra async hop) per request; the price
    // is one 4 KiB pooled segment held by each idle keep-alive connection (40 MiB per 10,000 idle connections).
    private static readonly StreamPipeReaderOptions s_readerOptions = new(bufferSize: 4096, minimumReadSize: 2048, leaveOpen: true, useZeroByteReads: false);
    private static readonly StreamPipeWriterOptions s_writerOptions = new(minimumBufferSize: 4096, leaveOpen: true);

    private readonly ProxyContext _context;

    public PlainHttpConnectionHandler(ProxyContext context) => _context = context;

    public async Task HandleAsync(Socket socket)
    {
        var network = new NetworkStream(socket, ownsSocket: true);
        IPAddress clientAddress = ((IPEndPoint)socket.RemoteEndPoint!).Address;
        _context.Drain.Enter();
        try
        {
            PipeReader input = PipeReader.Create(network, s_readerOptions);
            PipeWriter output = PipeWriter.Create(network, s_writerOptions);
            bool endedCleanly;
            using (var loop = new Http1ProxyLoop(_context, input, output, clientAddress, isHttps: false))
            {
                await loop.RunAsync().ConfigureAwait(false);
                endedCleanly = loop.EndedCleanly;
            }

            await input.CompleteAsync().ConfigureAwait(false);
            await Http1ProxyLoop.CompleteOutputAsync(output, endedCleanly).ConfigureAwait(false);
        }
        finally
        {
            await network.DisposeAsync().ConfigureAwait(false);
            _context.Drain.Exit();
        }
    }
}
