using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Terminator.Infrastructure;

namespace Terminator.Upstream;

/// <summary>
/// One pooled HTTP/1.1 connection to the upstream. Rented from an <see cref="UpstreamPool"/>, used for exactly one
/// request/response exchange, then given back with <see cref="UpstreamPool.Return"/> (at a message boundary) or
/// <see cref="UpstreamPool.RetireAsync"/>. Disposing it retires it.
/// </summary>
internal sealed class UpstreamConnection : IAsyncDisposable
{
    // Blocks from the proxy's own pool: a response awaited on each of many connections at once holds one per reader,
    // more than the shared ArrayPool keeps for a pinned core (PipeBlockPool).
    private static readonly StreamPipeReaderOptions s_readerOptions = new(PipeBlockPool.Instance, bufferSize: PipeBlockPool.BlockSize, minimumReadSize: PipeBlockPool.BlockSize, leaveOpen: false);
    private static readonly StreamPipeWriterOptions s_writerOptions = new(PipeBlockPool.Instance, minimumBufferSize: PipeBlockPool.BlockSize, leaveOpen: false);
    private readonly UpstreamPool _pool;
    private readonly Socket _socket;

    internal UpstreamConnection(UpstreamPool pool, UpstreamAddress address, Socket socket)
    {
        _pool = pool;
        _socket = socket;
        Address = address;
        var stream = new NetworkStream(socket, ownsSocket: true);
        Input = PipeReader.Create(stream, s_readerOptions);
        Output = PipeWriter.Create(stream, s_writerOptions);
    }

    /// <summary>Bytes from the upstream (response heads and bodies).</summary>
    public PipeReader Input { get; }

    /// <summary>Bytes to the upstream (request heads and bodies); flush before reading the response.</summary>
    public PipeWriter Output { get; }

    /// <summary>True when this connection already carried a request before the current rent: a failure before any response byte
    /// may then be the upstream closing a keep-alive connection we raced with (RFC 9112 §9.3.1), and is worth one retry.</summary>
    public bool IsReused => RequestCount > 1;

    /// <summary>The resolved address this connection is connected to.</summary>
    public IPEndPoint RemoteEndPoint => Address.EndPoint;

    /// <summary>Number of rents of this connection, the current one included.</summary>
    public int RequestCount { get; internal set; }

    internal UpstreamAddress Address { get; }

    /// <summary>Pool bookkeeping, guarded by the pool's lock.</summary>
    internal UpstreamConnectionState State;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> of the last return to the idle stack.</summary>
    internal long IdleSinceTimestamp;

    /// <summary>
    /// Whether an idle connection may carry a new request. The upstream may have closed it (FIN/RST) while it sat idle, or sent
    /// bytes nobody asked for; either way it must not be used (dotnet/corefx#27908, envoy#2715). A zero-timeout poll is one syscall
    /// and reports both: readable on an idle HTTP/1.1 connection means EOF, error or junk.
    /// </summary>
    internal bool IsUsableWhenIdle()
    {
        try
        {
            return !_socket.Poll(0, SelectMode.SelectRead) && !HasBufferedInput();
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Bytes already pulled into the reader past the last response are unsolicited: the connection is out of sync.</summary>
    internal bool HasBufferedInput()
    {
        if (!Input.TryRead(out ReadResult result))
        {
            return false;
        }

        bool junk = !result.Buffer.IsEmpty || result.IsCompleted || result.IsCanceled;
        Input.AdvanceTo(result.Buffer.Start);
        return junk;
    }

    /// <summary>Aborts the transport from any thread (pool shutdown) without touching the pipes the renter may be using.</summary>
    internal void Abort() => _socket.Dispose();

    /// <summary>Closes the socket and completes both pipes; only called by the single owner of the connection.</summary>
    internal void Close()
    {
        // Close the socket first so completing the writer cannot block on flushing leftovers to a dead peer.
        _socket.Dispose();
        CompleteQuietly(Input);
        CompleteQuietly(Output);
    }

    private static void CompleteQuietly(PipeReader reader)
    {
        try
        {
            reader.Complete();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Already broken; nothing to report on close.
        }
    }

    private static void CompleteQuietly(PipeWriter writer)
    {
        try
        {
            writer.Complete();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Unflushed bytes to a closed socket; the connection is being discarded anyway.
        }
    }

    /// <summary>Retires the connection (closes it and frees its pool slot).</summary>
    public ValueTask DisposeAsync() => _pool.RetireAsync(this);
}

internal enum UpstreamConnectionState
{
    Active,
    Idle,
    Closed,
}
