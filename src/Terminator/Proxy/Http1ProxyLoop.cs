using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using Terminator.Http;
using Terminator.Infrastructure;
using Terminator.Listener;
using Terminator.Upstream;

namespace Terminator.Proxy;

/// <summary>
/// The per-connection HTTP/1.1 proxy: reads requests from the (decrypted) client pipe and forwards each one over a
/// pooled upstream connection, sequentially, until either side ends keep-alive.
/// </summary>
/// <remarks>
/// One request, step by step:
/// <code>
///  1. wait for a request head      (idle timeout, then header timeout; 408 / 400 / 414 / 431 on failure)
///  2. rent an upstream connection  (LIFO pool; 502 when none can be made)
///  3. send head + body upstream    (hop-by-hop stripped, X-Forwarded-* added; body verbatim)
///  4. read the response head       (504 on timeout, 502 on garbage; 1xx relayed; one retry on a fresh
///                                   connection when a reused one died before any response byte)
///  5. relay head + body            (framing kept exactly; Connection: close when we will close)
///  6. return or retire upstream    (returned only at a clean message boundary)
/// </code>
/// Each step is a method of its own (a synchronous parse, or an async method that does not suspend on the fast path)
/// returning a <see cref="ProxyError"/>; <see cref="FailAsync"/> turns a failure into the client's status. The waits
/// between them are awaited in <see cref="RunAsync"/> itself (see its remarks: no state-machine box per request). Instances are per connection and reused for every request; each head's bytes are rented per
/// message (<see cref="HttpHeadStorage"/>): the response's go back once relayed, the request's when the wait for the next
/// request begins (the access log line, written at the request's end, still reads them), so an idle connection holds none.
/// </remarks>
internal sealed partial class Http1ProxyLoop : IDisposable
{
    private static ReadOnlySpan<byte> Continue100 => "HTTP/1.1 100 Continue\r\n\r\n"u8;
    private static ReadOnlySpan<byte> ProtoHttps => "https"u8;
    private static ReadOnlySpan<byte> ProtoHttp => "http"u8;

    private static readonly TimeSpan ErrorWriteTimeout = TimeSpan.FromSeconds(5);
    private static readonly OperationCanceledException s_abandoned = new("The response could not be delivered; unsent bytes discarded.");

    private readonly ProxyContext _context;
    private readonly ConnectionContext _connection;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    // The stream _input reads from, for the zero-byte read that waits for the next request without a buffer; null when
    // _input is not over a stream (the benchmarks' in-memory pipes).
    private readonly Stream? _idleSource;
    // The loop owns the connection's end (EndConnectionAsync): Http1ProxyStep's loops do, so the connection's chain has
    // no frame of the step's while it waits (bench/README.md, "What an idle TLS connection holds").
    private readonly bool _endsConnection;
    private readonly bool _isHttps;
    // The response policy of this connection's kind (HSTS only on TLS), chosen once.
    private readonly HttpResponsePolicy _responses;
    private readonly byte[] _clientAddress = new byte[48];
    private readonly int _clientAddressLength;
    private readonly HttpRequestHead _request;
    private readonly HttpResponseHead _response;
    // Bounds every wait that belongs to a request; linked to the server's abort so a drain timeout cuts everything.
    // Rented from the server's pool when a wait needs it (RequestTimeout) and given back once the request's waits up to
    // the response head, and again its relay, are over (ReturnRequestTimeout): an idle connection
    // holds no second timer.
    private CancellationTokenSource? _requestTimeout;
    // Bounds the wait for the next request (the idle timeout; the header timeout before the first); also fires when the
    // server starts draining, closing idle connections. Shared with the connections whose wait began in the same slice of
    // time (SharedTimeout): an idle connection holds no timer of its own, and nothing of the token's outlives its wait.
    private CancellationToken _idleWait;
    // This request's 100 Continue has been sent (the upstream's own 100 is then not relayed).
    private bool _sentContinue;
    // Stopwatch timestamp of this request's first byte (its duration in the metrics).
    private long _requestStarted;
    // Step 1 has seen a byte of this request: the header timeout runs, a timeout is a 408 and not an idle close.
    private bool _sawRequestBytes;
    // Step 1's header timer runs (bytes arrived or were seen) and the idle one is off.
    private bool _headerTimerRunning;

    /// <param name="idleSource">The stream <paramref name="input"/> reads from (and only reads when asked to): between
    /// requests the loop waits on it with a zero-byte read, so an idle connection holds no receive buffer. Null waits
    /// in <paramref name="input"/> itself.</param>
    /// <param name="endsConnection">True: when <see cref="RunAsync"/> ends it disposes the loop and completes both pipes
    /// itself (<see cref="EndConnectionAsync"/>); false: the caller does.</param>
    public Http1ProxyLoop(ProxyContext context, ConnectionContext connection, PipeReader input, PipeWriter output, Stream? idleSource = null,
        bool endsConnection = false)
    {
        _endsConnection = endsConnection;
        _context = context;
        _connection = connection;
        _input = input;
        _output = output;
        _idleSource = idleSource;
        _isHttps = connection.Tls is not null;
        _responses = _isHttps ? context.HttpsResponses : context.HttpResponses;
        // X-Forwarded-For carries IPv4 clients as IPv4 even when they arrive on a dual-stack socket.
        IPAddress clientAddress = connection.RemoteEndPoint.Address;
        IPAddress address = clientAddress.IsIPv4MappedToIPv6 ? clientAddress.MapToIPv4() : clientAddress;
        address.TryFormat(_clientAddress, out _clientAddressLength);
        _request = new HttpRequestHead(context.Limits);
        _response = new HttpResponseHead(context.Limits);
    }

    /// <summary>
    /// False once something meant for the client could not be delivered whole: a flush that failed or stayed stuck past its
    /// timeout, or a response body cut short. The transport must then be closed without writing anything more: no retry of
    /// the stuck bytes (a peer that never reads would pin the connection) and no TLS close_notify
    /// (<see cref="ConnectionContext.AbandonTransport"/>).
    /// </summary>
    public bool EndedCleanly { get; private set; } = true;

    private ReadOnlySpan<byte> ClientAddress => _clientAddress.AsSpan(0, _clientAddressLength);

    /// <summary>This request's timeout source, rented on first use (<see cref="ConnectionContext.RentRequestTimeout"/>).</summary>
    private CancellationTokenSource RequestTimeout => _requestTimeout ??= _connection.RentRequestTimeout();

    /// <summary>Serves requests until the connection should close. Never throws for network or peer failures.</summary>
    /// <remarks>
    /// The waits that suspend on every keep-alive request (for the next request's bytes, for the upstream's response head)
    /// are awaited here, in the connection's one state machine, which is boxed once for the connection's life; the steps
    /// around them are synchronous (<see cref="TryParseRequestHead"/>, <see cref="TryParseResponseHead"/>) or pooled async
    /// methods that complete without suspending on the fast path (an idle pooled upstream connection, a flush into a socket
    /// with room), which costs no box. An async method that does suspend holds a state-machine box, and the pooling builder
    /// keeps only one per thread and one per core: with 64 requests in flight on a core each such level allocated its box
    /// per request (Kestrel's <c>Http1Connection.ProcessRequestsAsync</c> is built the same way for the same reason;
    /// bench/README.md, "Per-request async boxes").
    /// </remarks>
    public async Task RunAsync()
    {
        try
        {
            bool first = true;
            while (!_connection.ServerStopping.IsCancellationRequested)
            {
                // :: Step 1 — the next request head.
                BeginRequestHead(first);
                first = false;
                if (_idleSource is not null && !IsInputBuffered())
                {
                    // The wait for the next request, without a receive buffer: see IsInputBuffered. Nothing in flight either
                    // way: the TLS layer may give back what it holds between records.
                    _connection.Tls?.ReleaseIdleBuffers?.Invoke(_idleSource);
                    try
                    {
                        await _idleSource.ReadAsync(Memory<byte>.Empty, _idleWait).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException || TransportFailure.Is(ex))
                    {
                        // Idle keep-alive expiry or drain: close silently, as a wait in the pipe would.
                        return;
                    }

                    // Bytes (or the end of the stream) are here: the header timeout bounds the read that takes them, not the
                    // idle one, which may fire now (on a stalled host its callback and this continuation can be queued
                    // together) and must not turn a request that arrived into a silent close.
                    StartHeaderTimer();
                }

                RequestHeadStatus head;
                RequestRejectionReason reason;
                do
                {
                    ReadResult result;
                    try
                    {
                        result = await _input.ReadAsync(_headerTimerRunning ? RequestTimeout.Token : _idleWait).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // Idle keep-alive expiry or drain closes silently (nginx, Kestrel); a half-sent head gets a 408.
                        if (!_sawRequestBytes || _connection.ServerAborted.IsCancellationRequested)
                        {
                            return;
                        }

                        (head, reason) = (RequestHeadStatus.TimedOut, RequestRejectionReason.None);
                        break;
                    }
                    catch (Exception ex) when (TransportFailure.Is(ex))
                    {
                        return;
                    }

                    head = TryParseRequestHead(result, out reason);
                }
                while (head == RequestHeadStatus.Incomplete);

                if (head == RequestHeadStatus.Closed)
                {
                    return;
                }

                // Our own answers (error statuses, the edge's, the Host check's 421), then the micro-cache's.
                RequestRoute route = await RouteRequestAsync(head, reason).ConfigureAwait(false);
                if (route == RequestRoute.Forward)
                {
                    route = _context.Cache is { } cache ? await ServeFromCacheAsync(cache).ConfigureAwait(false) : ForwardUncached();
                }

                if (route == RequestRoute.Close)
                {
                    return;
                }

                if (route == RequestRoute.Answered)
                {
                    continue;
                }

                // :: Steps 2-6.
                bool keepOpen;
                try
                {
                    _sentContinue = false;
                    for (int attempt = 0; ; attempt++)
                    {
                        // :: Step 2 — an upstream connection; a retry always takes a fresh one.
                        AccessLogUpstreamStarted();
                        (UpstreamConnection? upstream, ProxyError error) = await RentUpstreamAsync(fresh: attempt > 0).ConfigureAwait(false);
                        if (upstream is null)
                        {
                            keepOpen = await FailAsync(error).ConfigureAwait(false);
                            break;
                        }

                        AccessLogUpstreamConnected(upstream);

                        // Exactly one transparent retry, only when it cannot duplicate a side effect: an idempotent request
                        // without a body, on a pooled connection that died before sending any response byte (the keep-alive
                        // race, dotnet/corefx#27908).
                        bool canRetry = attempt == 0 && upstream.IsReused && _request.IsIdempotent && !HasRequestBody;

                        // :: Step 3 — the request out.
                        error = await SendRequestAsync(upstream).ConfigureAwait(false);

                        // :: Step 4 — the response head, relaying 1xx responses on the way.
                        if (error == ProxyError.None)
                        {
                            BeginResponseHead();
                            while (true)
                            {
                                ReadResult result;
                                try
                                {
                                    result = await upstream.Input.ReadAsync(RequestTimeout.Token).ConfigureAwait(false);
                                }
                                catch (OperationCanceledException)
                                {
                                    error = ProxyError.UpstreamTimeout;
                                    break;
                                }
                                catch (Exception ex) when (TransportFailure.Is(ex))
                                {
                                    error = _sawResponseBytes ? ProxyError.UpstreamFailed : ProxyError.UpstreamClosedBeforeResponse;
                                    break;
                                }

                                ResponseHeadStatus status = TryParseResponseHead(upstream.Input, result, out error);
                                if (status == ResponseHeadStatus.Informational)
                                {
                                    error = await RelayInformationalAsync().ConfigureAwait(false);
                                }

                                if (status == ResponseHeadStatus.Done || error != ProxyError.None)
                                {
                                    break;
                                }
                            }

                            ReturnRequestTimeout();
                        }

                        if (error == ProxyError.None)
                        {
                            // :: Steps 5 and 6.
                            AccessLogUpstreamHeaderReceived();
                            keepOpen = ShouldStoreResponse(out TimeSpan lifetime)
                                ? await RelayAndStoreAsync(upstream, lifetime).ConfigureAwait(false)
                                : await RelayResponseAsync(upstream).ConfigureAwait(false);
                            break;
                        }

                        await _context.Upstream.RetireAsync(upstream).ConfigureAwait(false);
                        if (error == ProxyError.UpstreamClosedBeforeResponse && canRetry)
                        {
                            _context.Metrics.UpstreamRetry();
                            continue;
                        }

                        keepOpen = await FailAsync(error).ConfigureAwait(false);
                        break;
                    }
                }
                finally
                {
                    // A fill this request led and did not store (uncacheable, failed): its waiters must not wait any longer.
                    AbandonCacheFill();
                }

                if (!keepOpen)
                {
                    return;
                }
            }
        }
        catch (Exception) when (EndUncleanly())
        {
            throw; // not reached: the filter only records the bug's exception for EndConnectionAsync
        }
        finally
        {
            if (_endsConnection)
            {
                await EndConnectionAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The end of a connection this loop owns (<see cref="Http1ProxyStep"/>'s): disposes the loop, completes both pipes
    /// and, after an unclean end, tells the steps below the transport must not be written to again. Every byte the loop
    /// meant to send was flushed explicitly, so after an unclean end whatever is still buffered is the remains of a flush
    /// that timed out: it is discarded rather than written again, because StreamPipeWriter.CompleteAsync would otherwise
    /// flush it with no timeout at all.
    /// </summary>
    private async ValueTask EndConnectionAsync()
    {
        Dispose();
        await _input.CompleteAsync().ConfigureAwait(false);
        await _output.CompleteAsync(EndedCleanly ? null : s_abandoned).ConfigureAwait(false);
        if (!EndedCleanly)
        {
            _connection.AbandonTransport();
        }
    }

    /// <summary>Step 1 begins: the previous exchange is over (its access log line taken), so an idle connection holds no
    /// head bytes; the wait for the first bytes is bounded by the header timeout on a new connection, else the idle one.</summary>
    private void BeginRequestHead(bool first)
    {
        _request.Reset();
        _response.Reset();
        _sawRequestBytes = false;
        _headerTimerRunning = false;
        ReturnRequestTimeout();
        _idleWait = _connection.SharedTimeoutToken(first ? _context.HeaderTimeout : _context.IdleTimeout);
    }

    /// <summary>From the idle timer to the header timer, once per request: when the idle wait sees bytes arrive, or
    /// when the first bytes are parsed without one.</summary>
    private void StartHeaderTimer()
    {
        _idleWait = default;
        RequestTimeout.CancelAfter(_context.HeaderTimeout);
        _headerTimerRunning = true;
    }

    /// <summary>An exception escaped <see cref="RunAsync"/> (a bug: steps do not throw for network or peer failures):
    /// whatever is still buffered for the client is then discarded at the end, not flushed with no timeout. Always false,
    /// so the exception is not caught.</summary>
    private bool EndUncleanly()
    {
        EndedCleanly = false;
        return false;
    }

    /// <summary>Stops the request timer once the waits it bounded are over, by giving its source back to the server's
    /// pool: a timer that fired meanwhile (the wait's result and its callback queued together, even with the callback not
    /// run yet) would fail the request's next wait at once, and the pool's reset refuses exactly such a source (it is
    /// disposed; the next wait rents another).</summary>
    private void ReturnRequestTimeout()
    {
        if (_requestTimeout is { } source)
        {
            _requestTimeout = null;
            _connection.ReturnRequestTimeout(source);
        }
    }

    /// <summary>Step 1's parse of what the client pipe holds (advanced past the head when complete).</summary>
    private RequestHeadStatus TryParseRequestHead(in ReadResult result, out RequestRejectionReason reason)
    {
        ReadOnlySequence<byte> buffer = result.Buffer;
        if (!_sawRequestBytes && !buffer.IsEmpty)
        {
            _sawRequestBytes = true;
            _requestStarted = Stopwatch.GetTimestamp();
            AccessLogRequestStarted(_requestStarted);
            if (!_headerTimerRunning)
            {
                StartHeaderTimer(); // bytes already buffered (a pipelined request), or no idle wait
            }
        }

        HttpParseResult parsed = Http1RequestParser.TryParse(buffer, _request, out SequencePosition consumed, out reason);
        if (parsed == HttpParseResult.Complete)
        {
            _input.AdvanceTo(consumed);
            ReturnRequestTimeout();
            return RequestHeadStatus.Complete;
        }

        if (parsed == HttpParseResult.Error)
        {
            AccessLogRejected(buffer);
            _input.AdvanceTo(buffer.Start);
            return RequestHeadStatus.Rejected;
        }

        if (result.IsCompleted)
        {
            _input.AdvanceTo(buffer.End);
            return RequestHeadStatus.Closed;
        }

        _input.AdvanceTo(buffer.Start, buffer.End);
        return RequestHeadStatus.Incomplete;
    }

    /// <summary>
    /// What a request head leads to before anything goes upstream: the status of a head that failed (408, 400/414/431),
    /// an answer the edge gives itself, the 421 of a Host the certificate does not cover; else <see cref="RequestRoute.Forward"/>.
    /// </summary>
    /// <remarks>Completes without suspending for a request that goes on (every check is synchronous), so the pooled
    /// builder allocates no box for it.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RequestRoute> RouteRequestAsync(RequestHeadStatus head, RequestRejectionReason reason)
    {
        if (head == RequestHeadStatus.TimedOut)
        {
            _context.Metrics.HeaderTimeout();
            await SendErrorAsync(408).ConfigureAwait(false);
            return RequestRoute.Close;
        }

        if (head == RequestHeadStatus.Rejected)
        {
            _context.Metrics.BadRequest();
            await SendErrorAsync(reason.ToStatusCode()).ConfigureAwait(false);
            return RequestRoute.Close;
        }

        if (!HasRequestBody && TryAnswerAtEdge(out bool closeAfterAnswer))
        {
            // Answered here (an ACME HTTP-01 challenge, the redirect to https://): nothing goes upstream.
            _context.Metrics.EdgeResponse();
            bool flushed = await BodyCopier.FlushAsync(_output, RequestTimeout, _context.IdleTimeout).ConfigureAwait(false);
            AccessLogEdgeResponse(flushed);
            if (!flushed)
            {
                EndedCleanly = false;
                return RequestRoute.Close;
            }

            return closeAfterAnswer ? RequestRoute.Close : RequestRoute.Answered;
        }

        if (_context.HostCheck && _connection.Tls is { } tls && !IsHostCoveredBy(tls.Certificate))
        {
            // RFC 9110 §15.5.20: the connection was set up for another authority (one customer's certificate, another
            // customer's Host: domain fronting across customers). Nothing goes upstream.
            _context.Metrics.MisdirectedRequest();
            await SendErrorAsync(421).ConfigureAwait(false);
            return RequestRoute.Close;
        }

        return RequestRoute.Forward;
    }

    /// <summary>
    /// Whether the next request's bytes (or the end of the stream) are already in the pipe. When they are not, the loop
    /// waits for them with a zero-byte read on the transport: SslStream answers it with a zero-byte read of its own on
    /// the socket and rents its record buffer only once bytes arrive; the pipe's 4 KiB segment is rented by the read
    /// that follows. Without it an idle keep-alive connection holds the pipe's segment under its pending read: 11.0 →
    /// 6.7 KiB of managed heap per idle connection, both ends (IdleConnectionMemoryTests).
    /// </summary>
    /// <remarks>
    /// Only the wait for the next request does it, not every read: inside a request the next bytes are due at once, and
    /// a zero-byte read there would cost an extra receive for nothing. The bytes of a pipelined request are already
    /// buffered (<see cref="PipeReader.TryRead"/> sees them) and the zero-byte read is skipped; at end of stream it
    /// completes at once and the read that follows reports the close.
    /// </remarks>
    private bool IsInputBuffered()
    {
        if (!_input.TryRead(out ReadResult buffered))
        {
            return false;
        }

        // Examined nothing, so the next ReadAsync returns the same bytes.
        _input.AdvanceTo(buffered.Buffer.Start);
        return true;
    }

    /// <summary>
    /// Writes a response the edge gives itself, before anything goes upstream: an ACME HTTP-01 challenge (either port),
    /// else on plain HTTP the redirect to https://. False when neither applies (nothing written).
    /// </summary>
    private bool TryAnswerAtEdge(out bool closeConnection)
    {
        closeConnection = !_request.KeepAlive || _connection.ServerStopping.IsCancellationRequested;
        if (_context.EdgeResponder is { } responder
            && responder.TryWriteResponse(_request, EdgeOutput, closeConnection, _responses.StrictTransportSecurityField))
        {
            return true;
        }

        // The HTTPS port never redirects: the request is already where the redirect would send it.
        return !_isHttps && _context.HttpsRedirect is { } redirect && redirect.TryWriteResponse(_request, EdgeOutput, closeConnection);
    }

    /// <summary>
    /// True when the request's Host names a host the TLS certificate covers, or names none (HTTP/1.0 without Host). The
    /// absolute-form authority, when present, was already required to match Host by the parser.
    /// </summary>
    private bool IsHostCoveredBy(IServerCertificateNames certificate)
    {
        if (_request.HostName.IsEmpty)
        {
            return true;
        }

        Span<byte> name = stackalloc byte[HostFieldParser.MaxHostNameLength];
        if (!_request.TryGetHostName(name, out int length))
        {
            return false; // an IP literal with a zone, a pct-encoded name: nothing a certificate names
        }

        // "click.shop.example." is the same host written fully qualified (RFC 1034 §3.1); SAN names never end in a dot.
        if (length > 1 && name[length - 1] == (byte)'.')
        {
            length--;
        }

        return certificate.Covers(name[..length]);
    }

    private async ValueTask SendErrorAsync(int statusCode)
    {
        // Error path only: its own short timer, because the request timer may be the one that just fired.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_connection.ServerAborted);
        _context.Metrics.RequestCompleted(statusCode, _requestStarted);
        try
        {
            _output.Write(_responses.GetErrorResponse(statusCode).Span);
            if (!await BodyCopier.FlushAsync(_output, timeout, ErrorWriteTimeout).ConfigureAwait(false))
            {
                EndedCleanly = false;
            }
        }
        catch (Exception ex) when (TransportFailure.Is(ex))
        {
            // The client is gone; nothing to tell it.
            EndedCleanly = false;
        }

        AccessLogOwnResponse(statusCode);
    }

    public void Dispose()
    {
        _request.Dispose();
        _response.Dispose();
        ReturnRequestTimeout();
    }

    private enum RequestHeadStatus { Incomplete, Complete, Closed, TimedOut, Rejected }

    /// <summary>Where a request goes once its head is in: upstream, nowhere more (answered here, the connection stays), or
    /// nowhere at all (the connection closes).</summary>
    private enum RequestRoute { Forward, Answered, Close }
}
