using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Terminator.Samples.Origin;

/// <summary>One accepted connection of <see cref="SampleTrackingOrigin"/>: a read → respond → flush loop over pipes.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "RunAsync's finally owns the stream's disposal; Abort only forces it early.")]
internal sealed class OriginConnection
{
    /// <summary>Request heads above this size get 431 and the connection is closed.</summary>
    internal const int MaxHeadBytes = 16 * 1024;

    private const int StackDecodeLimit = 512;
    private static readonly TimeSpan LingerTimeout = TimeSpan.FromSeconds(2);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly SampleTrackingOrigin _owner;
    private long _bodyBytesToSkip;

    public OriginConnection(Socket socket, SampleTrackingOrigin owner)
    {
        _socket = socket;
        _owner = owner;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        _writer = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    /// <summary>The connection's task; completes when the connection is closed.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start(CancellationToken stopping) => Completion = Task.Run(() => RunAsync(stopping), CancellationToken.None);

    /// <summary>Hard stop used by dispose: pending socket operations fail and the loop exits.</summary>
    public void Abort() => _stream.Dispose();

    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            bool closeRequested = false;
            while (!closeRequested)
            {
                ReadResult result = await _reader.ReadAsync(stopping);
                ReadOnlySequence<byte> buffer = result.Buffer;
                closeRequested = ProcessRequests(ref buffer);
                _reader.AdvanceTo(buffer.Start, buffer.End);

                // One flush per read: pipelined requests that arrived together leave in one write.
                FlushResult flush = await _writer.FlushAsync(stopping);
                if (!closeRequested && (result.IsCompleted || flush.IsCompleted))
                {
                    return; // the client went away
                }
            }

            await LingerAsync(stopping);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // Client reset, or the origin is being disposed: nothing to report for a sample server.
        }
        finally
        {
            await _reader.CompleteAsync();
            try
            {
                await _writer.CompleteAsync(); // may try to flush into an already aborted socket
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
            }

            await _stream.DisposeAsync();
            _owner.OnConnectionClosed(this);
        }
    }

    /// <summary>Handles every complete request in <paramref name="buffer"/>; returns true when the connection must close.</summary>
    private bool ProcessRequests(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            if (_bodyBytesToSkip > 0)
            {
                long skip = Math.Min(_bodyBytesToSkip, buffer.Length);
                buffer = buffer.Slice(skip);
                _bodyBytesToSkip -= skip;
                if (_bodyBytesToSkip > 0)
                {
                    return false;
                }
            }

            var reader = new SequenceReader<byte>(buffer);
            while (reader.IsNext("\r\n"u8, advancePast: true))
            {
                // RFC 9112 §2.2: ignore empty lines received before a request-line.
            }

            buffer = buffer.Slice(reader.Position);
            if (!reader.TryReadTo(out ReadOnlySequence<byte> head, "\r\n\r\n"u8, advancePastDelimiter: true))
            {
                if (buffer.Length > MaxHeadBytes)
                {
                    OriginResponses.WriteHeadTooLarge(_writer);
                    return true;
                }

                return false; // need more bytes
            }

            buffer = buffer.Slice(reader.Position);
            _owner.OnRequest();
            if (head.Length > MaxHeadBytes)
            {
                OriginResponses.WriteHeadTooLarge(_writer);
                return true;
            }

            if (!HandleRequest(head))
            {
                return true;
            }
        }
    }

    /// <summary>Parses one head and writes its response; returns whether the connection stays open.</summary>
    private bool HandleRequest(ReadOnlySequence<byte> headSequence)
    {
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> head;
            if (headSequence.IsSingleSegment)
            {
                head = headSequence.FirstSpan;
            }
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)headSequence.Length);
                headSequence.CopyTo(rented);
                head = rented.AsSpan(0, (int)headSequence.Length);
            }

            if (OriginRequestParser.TryParse(head, out OriginRequestHead request) != OriginParseStatus.Ok)
            {
                OriginResponses.WriteBadRequest(_writer, isHead: false, ConnectionDirective.Close);
                return false;
            }

            ConnectionDirective directive = !request.KeepAlive ? ConnectionDirective.Close
                : request.IsHttp10 ? ConnectionDirective.KeepAlive : ConnectionDirective.Persist;
            Respond(request, directive);
            _bodyBytesToSkip = request.ContentLength;
            return request.KeepAlive;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private void Respond(OriginRequestHead request, ConnectionDirective directive)
    {
        ReadOnlySpan<byte> target = request.Target;
        if (request.IsGetOrHead && target.StartsWith("/q/"u8))
        {
            OriginResponses.WritePixel(_writer, request.IsHead, directive);
        }
        else if (request.IsGetOrHead && target.StartsWith("/f/"u8))
        {
            RespondRedirect(target, request.IsHead, directive);
        }
        else
        {
            OriginResponses.WriteNotFound(_writer, request.IsHead, directive);
        }
    }

    private void RespondRedirect(ReadOnlySpan<byte> target, bool isHead, ConnectionDirective directive)
    {
        if (!RedirectTarget.TryFindParameter(target, out ReadOnlySpan<byte> encoded))
        {
            OriginResponses.WriteBadRequest(_writer, isHead, directive);
            return;
        }

        // Decoding never grows the value, so a buffer of the encoded length suffices.
        byte[]? rented = null;
        Span<byte> decoded = encoded.Length <= StackDecodeLimit
            ? stackalloc byte[StackDecodeLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(encoded.Length));
        try
        {
            if (RedirectTarget.TryDecode(encoded, decoded, out int length))
            {
                OriginResponses.WriteRedirect(_writer, decoded[..length], directive);
            }
            else
            {
                OriginResponses.WriteBadRequest(_writer, isHead, directive);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Lingering close: send FIN, then drain what the client still sends for a moment. Closing with unread bytes in
    /// the receive queue would make the kernel send RST, which can destroy the response we just wrote.
    /// </summary>
    private async Task LingerAsync(CancellationToken stopping)
    {
        _socket.Shutdown(SocketShutdown.Send);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(LingerTimeout);
        long drained = 0;
        while (drained < 64 * 1024)
        {
            ReadResult result = await _reader.ReadAsync(timeout.Token);
            drained += result.Buffer.Length;
            _reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }
}
