using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Terminator.Diagnostics;
using Terminator.Http;
using Terminator.Infrastructure;
using Terminator.Listener;

namespace Terminator.Admin;

/// <summary>
/// One admin client connection: HTTP/1.1 with keep-alive over the listener's transport, requests handled one at a time.
/// <code>
///  1. wait for a request head   (idle timeout until the first byte, then the request timeout; 408 / 4xx on failure)
///  2. read the body             (Content-Length only, at most MaxBodyBytes: 411 for chunked, 413 when larger)
///  3. handle it                 (AdminRequestHandler, within the handler timeout)
///  4. write the response        (within the write timeout; Connection: close ends the loop)
/// </code>
/// The request parser is the proxy's (<see cref="Http1RequestParser"/>), with the admin API's smaller limits.
/// </summary>
internal sealed class AdminConnection : IDisposable
{
    private static ReadOnlySpan<byte> Continue100 => "HTTP/1.1 100 Continue\r\n\r\n"u8;

    private static readonly StreamPipeReaderOptions s_readerOptions = new(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true);
    private static readonly StreamPipeWriterOptions s_writerOptions = new(minimumBufferSize: 4096, leaveOpen: true);
    private static readonly OperationCanceledException s_abandoned = new("The response could not be delivered; unsent bytes discarded.");

    private readonly ConnectionContext _connection;
    private readonly AdminServerOptions _options;
    private readonly AdminRequestHandler _handler;
    private readonly TerminatorLog _log;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly HttpRequestHead _head;
    // Bounds each wait within a request (head after its first byte, body, write); linked to the server's abort. Replaced
    // when it fired, so the 408 that answers a timeout still gets its own write timeout.
    private CancellationTokenSource _requestTimeout;
    // Bounds the wait for a request's first byte; also fires when the server starts stopping, closing idle connections.
    private readonly CancellationTokenSource _idleTimeout;

    private AdminConnection(ConnectionContext connection, AdminServerOptions options, AdminRequestHandler handler, TerminatorLog log)
    {
        _connection = connection;
        _options = options;
        _handler = handler;
        _log = log;
        _input = PipeReader.Create(connection.Transport, s_readerOptions);
        _output = PipeWriter.Create(connection.Transport, s_writerOptions);
        _head = new HttpRequestHead(options.Limits);
        _requestTimeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ServerAborted);
        _idleTimeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ServerStopping, connection.ServerAborted);
    }

    private bool EndedCleanly { get; set; } = true;

    /// <summary>The listener's pipeline for the admin port. Never throws for network or client failures.</summary>
    public static async Task RunAsync(ConnectionContext connection, AdminServerOptions options, AdminRequestHandler handler, TerminatorLog log)
    {
        using var admin = new AdminConnection(connection, options, handler, log);
        await admin.LoopAsync().ConfigureAwait(false);
        await admin._input.CompleteAsync().ConfigureAwait(false);
        // As in the proxy: after an unclean end the buffered bytes are the remains of a flush that timed out, and are
        // discarded rather than flushed again with no timeout.
        await admin._output.CompleteAsync(admin.EndedCleanly ? null : s_abandoned).ConfigureAwait(false);
    }

    private async Task LoopAsync()
    {
        while (!_connection.ServerStopping.IsCancellationRequested)
        {
            // :: Step 1
            (HttpParseResult head, RequestRejectionReason reason, bool timedOut) = await ReadHeadAsync().ConfigureAwait(false);
            if (timedOut)
            {
                await WriteAsync(AdminResponse.Error(408, "the request did not arrive in time"), close: true, isHead: false).ConfigureAwait(false);
                return;
            }

            if (head == HttpParseResult.Incomplete)
            {
                return; // closed by the client, idle timeout or server stop: nothing to answer
            }

            if (head == HttpParseResult.Error)
            {
                await WriteAsync(AdminResponse.Error(reason.ToStatusCode(), $"malformed request ({reason})"), close: true, isHead: false).ConfigureAwait(false);
                return;
            }

            // :: Step 2
            bool isHead = _head.IsHead;
            (byte[]? body, AdminResponse? refused) = await ReadBodyAsync().ConfigureAwait(false);
            if (refused is not null)
            {
                await WriteAsync(refused, close: true, isHead).ConfigureAwait(false);
                return;
            }

            if (body is null)
            {
                return; // the client went away mid-body
            }

            RestartRequestTimeout(Timeout.InfiniteTimeSpan); // the head and body are in; handling has its own timeout

            // :: Step 3
            AdminResponse response = await HandleAsync(CreateRequest(body)).ConfigureAwait(false);

            // :: Step 4
            bool keepAlive = _head.KeepAlive && !response.Close && !_connection.ServerStopping.IsCancellationRequested;
            if (!await WriteAsync(response, close: !keepAlive, isHead).ConfigureAwait(false) || !keepAlive)
            {
                return;
            }
        }
    }

    private async ValueTask<(HttpParseResult Result, RequestRejectionReason Reason, bool TimedOut)> ReadHeadAsync()
    {
        _head.Reset(); // the previous request is answered: its pooled head copy goes back before the idle wait
        bool sawBytes = false;
        _idleTimeout.CancelAfter(_options.IdleTimeout);
        while (true)
        {
            ReadResult read;
            try
            {
                read = await _input.ReadAsync(sawBytes ? _requestTimeout.Token : _idleTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // An idle connection closes silently; a half-sent head gets its 408.
                return (HttpParseResult.Incomplete, RequestRejectionReason.None, sawBytes && !_connection.ServerAborted.IsCancellationRequested);
            }
            catch (Exception ex) when (TransportFailure.Is(ex))
            {
                return (HttpParseResult.Incomplete, RequestRejectionReason.None, false);
            }

            ReadOnlySequence<byte> buffer = read.Buffer;
            if (!sawBytes && !buffer.IsEmpty)
            {
                sawBytes = true;
                _idleTimeout.CancelAfter(Timeout.InfiniteTimeSpan);
                RestartRequestTimeout(_options.RequestTimeout);
            }

            HttpParseResult parsed = Http1RequestParser.TryParse(buffer, _head, out SequencePosition consumed, out RequestRejectionReason reason);
            if (parsed == HttpParseResult.Complete)
            {
                _input.AdvanceTo(consumed);
                return (parsed, reason, false);
            }

            if (parsed == HttpParseResult.Error)
            {
                _input.AdvanceTo(buffer.Start);
                return (parsed, reason, false);
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted)
            {
                return (HttpParseResult.Incomplete, RequestRejectionReason.None, false);
            }
        }
    }

    /// <summary>The body (empty when there is none), or the response that refuses it; (null, null) when the client left.</summary>
    private async ValueTask<(byte[]? Body, AdminResponse? Refused)> ReadBodyAsync()
    {
        if (_head.Framing == BodyFraming.Chunked)
        {
            // RFC 9110 §15.5.12: the API's bodies are tiny and every client sends them with a length.
            return (null, AdminResponse.Error(411, "send the body with Content-Length (chunked bodies are not accepted)"));
        }

        if (_head.Framing != BodyFraming.ContentLength || _head.ContentLength == 0)
        {
            return ([], null);
        }

        if (_head.ContentLength > _options.MaxBodyBytes)
        {
            return (null, AdminResponse.Error(413, $"the body is larger than {_options.MaxBodyBytes} bytes"));
        }

        int length = (int)_head.ContentLength;
        try
        {
            if (_head.ExpectContinue)
            {
                // RFC 9110 §10.1.1: a client that waits for 100 before sending its body would otherwise stall until its own timeout.
                await _output.WriteAsync(Continue100.ToArray(), _requestTimeout.Token).ConfigureAwait(false);
            }

            while (true)
            {
                ReadResult read = await _input.ReadAsync(_requestTimeout.Token).ConfigureAwait(false);
                if (read.Buffer.Length >= length)
                {
                    byte[] body = read.Buffer.Slice(0, length).ToArray();
                    _input.AdvanceTo(read.Buffer.GetPosition(length));
                    return (body, null);
                }

                _input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                if (read.IsCompleted)
                {
                    return (null, null);
                }
            }
        }
        catch (OperationCanceledException) when (!_connection.ServerAborted.IsCancellationRequested)
        {
            return (null, AdminResponse.Error(408, "the request body did not arrive in time"));
        }
        catch (Exception ex) when (ex is OperationCanceledException || TransportFailure.Is(ex))
        {
            return (null, null);
        }
    }

    private AdminRequest CreateRequest(byte[] body)
    {
        string target = Encoding.ASCII.GetString(_head.OriginFormTarget);
        int question = target.IndexOf('?', StringComparison.Ordinal);
        ReadOnlyMemory<byte> authorization = default;
        int authorizationFields = 0;
        string? contentType = null;
        for (int i = 0; i < _head.HeaderCount; i++)
        {
            ReadOnlySpan<byte> name = _head.GetName(i);
            if (Ascii.EqualsIgnoreCase(name, "Authorization"u8))
            {
                authorizationFields++;
                authorization = _head.GetValue(i).ToArray();
            }
            else if (Ascii.EqualsIgnoreCase(name, "Content-Type"u8))
            {
                contentType = Encoding.ASCII.GetString(_head.GetValue(i));
            }
        }

        return new AdminRequest(
            Encoding.ASCII.GetString(_head.Method),
            question < 0 ? target : target[..question],
            question < 0 ? string.Empty : target[(question + 1)..],
            authorization,
            authorizationFields,
            contentType,
            body,
            _connection.RemoteEndPoint.Address);
    }

    private async ValueTask<AdminResponse> HandleAsync(AdminRequest request)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_connection.ServerAborted);
        timeout.CancelAfter(_options.HandlerTimeout);
        try
        {
            return await _handler.HandleAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return AdminResponse.Error(503, "the request was not handled in time (or the server is stopping)") with { Close = true };
        }
        catch (Exception ex)
        {
            // The registry could not make a change durable (disk full, I/O error), or a bug: the client learns it failed.
            AdminLog.RequestFailed(_log.Admin, request.Method, request.Path, request.Peer, ex);
            return AdminResponse.Error(500, $"the request failed: {ex.Message}") with { Close = true };
        }
    }

    /// <summary>Writes and flushes within the write timeout; false (and the transport abandoned) when that failed.</summary>
    private async ValueTask<bool> WriteAsync(AdminResponse response, bool close, bool isHead)
    {
        AdminResponseWriter.Write(_output, response, close, isHead);
        RestartRequestTimeout(_options.WriteTimeout);
        try
        {
            FlushResult flushed = await _output.FlushAsync(_requestTimeout.Token).ConfigureAwait(false);
            RestartRequestTimeout(Timeout.InfiniteTimeSpan);
            return !flushed.IsCanceled && !flushed.IsCompleted;
        }
        catch (Exception ex) when (ex is OperationCanceledException || TransportFailure.Is(ex))
        {
            EndedCleanly = false;
            _connection.AbandonTransport();
            return false;
        }
    }

    /// <summary>(Re)arms the request timeout; a source that already fired cannot be reset and is replaced.</summary>
    private void RestartRequestTimeout(TimeSpan timeout)
    {
        if (!_requestTimeout.TryReset())
        {
            _requestTimeout.Dispose();
            _requestTimeout = CancellationTokenSource.CreateLinkedTokenSource(_connection.ServerAborted);
        }

        _requestTimeout.CancelAfter(timeout);
    }

    public void Dispose()
    {
        _head.Dispose();
        _requestTimeout.Dispose();
        _idleTimeout.Dispose();
    }
}
