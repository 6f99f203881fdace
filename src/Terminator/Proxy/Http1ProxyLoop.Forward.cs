using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Terminator.Http;
using Terminator.Infrastructure;
using Terminator.Upstream;

namespace Terminator.Proxy;

internal sealed partial class Http1ProxyLoop
{
    // Step 4 has seen a byte of the response: a failure now is not the keep-alive race, so there is no retry.
    private bool _sawResponseBytes;

    private bool HasRequestBody =>
        _request.Framing == BodyFraming.Chunked || (_request.Framing == BodyFraming.ContentLength && _request.ContentLength > 0);

    /// <summary>Step 2: a pooled (or, for the retry, a new) upstream connection; the wait for a free slot is bounded by
    /// the upstream timeout.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(UpstreamConnection? Connection, ProxyError Error)> RentUpstreamAsync(bool fresh)
    {
        UpstreamPool pool = _context.Upstream;
        try
        {
            RequestTimeout.CancelAfter(_context.UpstreamTimeout);
            UpstreamConnection upstream = fresh
                ? await pool.RentNewAsync(RequestTimeout.Token).ConfigureAwait(false)
                : await pool.RentAsync(RequestTimeout.Token).ConfigureAwait(false);
            ReturnRequestTimeout();
            return (upstream, ProxyError.None);
        }
        catch (UpstreamConnectException ex)
        {
            ProxyLog.UpstreamUnreachable(_context.Log, ex);
            return (null, ProxyError.UpstreamConnect);
        }
        catch (OperationCanceledException)
        {
            return (null, ProxyError.UpstreamTimeout);
        }
        catch (ObjectDisposedException)
        {
            return (null, ProxyError.UpstreamUnavailable);
        }
    }

    /// <summary>Step 3: the rewritten head, then the body verbatim (after our own 100 Continue when asked for).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ProxyError> SendRequestAsync(UpstreamConnection upstream)
    {
        Http1HeadWriter.WriteRequest(upstream.Output, _request, ClientAddress, _isHttps ? ProtoHttps : ProtoHttp, _context.ForwardedHeaders, Ja4Field);
        if (!HasRequestBody)
        {
            // Nothing of the request has been read upstream if this fails: retryable.
            return await BodyCopier.FlushAsync(upstream.Output, RequestTimeout, _context.UpstreamTimeout).ConfigureAwait(false)
                ? ProxyError.None
                : ProxyError.UpstreamClosedBeforeResponse;
        }

        if (_request.ExpectContinue && _request.VersionMinor == 1 && !_sentContinue)
        {
            // RFC 9110 §10.1.1: we are going to read the body anyway, so say so at once (as nginx does) rather than
            // making the client wait for the upstream's own 100, which we then drop.
            _output.Write(Continue100);
            if (!await BodyCopier.FlushAsync(_output, RequestTimeout, _context.IdleTimeout).ConfigureAwait(false))
            {
                EndedCleanly = false;
                return ProxyError.ClientGone;
            }

            _sentContinue = true;
        }

        CopyResult sent = _request.Framing == BodyFraming.ContentLength
            ? await BodyCopier.CopyExactAsync(_input, upstream.Output, _request.ContentLength, RequestTimeout, _context.IdleTimeout, _context.RequestBodyRate).ConfigureAwait(false)
            : await BodyCopier.CopyChunkedAsync(_input, upstream.Output, RequestTimeout, _context.IdleTimeout, _context.RequestBodyRate).ConfigureAwait(false);
        return sent.Outcome switch
        {
            CopyOutcome.Completed => ProxyError.None,
            CopyOutcome.DestinationFailed => ProxyError.UpstreamFailed,
            CopyOutcome.SourceTimedOut => ProxyError.ClientTimeout,
            CopyOutcome.SourceInvalid => ProxyError.BadRequestBody,
            _ => ProxyError.ClientGone,
        };
    }

    /// <summary>Steps 5 and 6: relay head and body with the framing the upstream chose, then return the upstream
    /// connection at a clean message boundary or retire it. Returns whether the client connection stays open.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> RelayResponseAsync(UpstreamConnection upstream)
    {
        bool closeClient = !_request.KeepAlive
            || _response.Framing == BodyFraming.CloseDelimited
            || (_response.Framing == BodyFraming.Chunked && _request.VersionMinor == 0)
            || _connection.ServerStopping.IsCancellationRequested;
        Http1HeadWriter.WriteResponse(_output, _response, closeClient, announceKeepAlive: _request.VersionMinor == 0, _responses);
        _response.ReleaseFields(); // copied out: the body relay and the access log need only its status and framing
        CopyResult relayed = _response.Framing switch
        {
            BodyFraming.ContentLength when _response.ContentLength > 0 =>
                await BodyCopier.CopyExactAsync(upstream.Input, _output, _response.ContentLength, RequestTimeout, _context.UpstreamTimeout).ConfigureAwait(false),
            BodyFraming.Chunked =>
                await BodyCopier.CopyChunkedAsync(upstream.Input, _output, RequestTimeout, _context.UpstreamTimeout).ConfigureAwait(false),
            BodyFraming.CloseDelimited =>
                await BodyCopier.CopyToEndAsync(upstream.Input, _output, RequestTimeout, _context.UpstreamTimeout).ConfigureAwait(false),
            _ => new(await BodyCopier.FlushAsync(_output, RequestTimeout, _context.IdleTimeout).ConfigureAwait(false)
                ? CopyOutcome.Completed
                : CopyOutcome.DestinationFailed, 0),
        };

        _context.Metrics.RequestCompleted(_response.StatusCode, _requestStarted);

        // :: Step 6 — the upstream connection goes back only at a clean message boundary.
        if (relayed.Outcome == CopyOutcome.Completed && _response.KeepAlive && _response.Framing != BodyFraming.CloseDelimited)
        {
            _context.Upstream.Return(upstream);
        }
        else
        {
            await _context.Upstream.RetireAsync(upstream).ConfigureAwait(false);
        }

        AccessLogRelayed(relayed.Bytes);
        if (relayed.Outcome != CopyOutcome.Completed)
        {
            EndedCleanly = false;
            if (relayed.Outcome != CopyOutcome.DestinationFailed)
            {
                // The response head is already out, so the only honest signal left is closing mid-body.
                _context.Metrics.UpstreamResponseTruncated();
            }

            return false;
        }

        return !closeClient;
    }

    /// <summary>Ends the exchange for <paramref name="error"/>: counts it, answers with its status when the client can
    /// still be told anything, and closes (returns false).</summary>
    private async ValueTask<bool> FailAsync(ProxyError error)
    {
        int status;
        switch (error)
        {
            case ProxyError.UpstreamConnect or ProxyError.UpstreamFailed or ProxyError.UpstreamClosedBeforeResponse:
                _context.Metrics.UpstreamError();
                status = 502;
                break;
            case ProxyError.UpstreamTimeout:
                _context.Metrics.UpstreamTimeout();
                status = 504;
                break;
            case ProxyError.UpstreamUnavailable:
                status = 503;
                break;
            case ProxyError.ClientTimeout:
                status = 408;
                break;
            case ProxyError.BadRequestBody:
                status = 400;
                break;
            default:
                // ClientGone: nothing can be delivered.
                AccessLogClientGone();
                return false;
        }

        await SendErrorAsync(status).ConfigureAwait(false);
        return false;
    }

    /// <summary>Step 4 begins (again, for the retry): the response head is bounded by the upstream timeout.</summary>
    private void BeginResponseHead()
    {
        _response.Reset();
        _sawResponseBytes = false;
        RequestTimeout.CancelAfter(_context.UpstreamTimeout);
    }

    /// <summary>
    /// Step 4's parse of what the upstream pipe holds (advanced past the head when complete). A 1xx response is written
    /// to the client for <see cref="RelayInformationalAsync"/> to flush (HTTP/1.1 clients only, and never a second 100
    /// after our own), or dropped; either way the final head is read next. <paramref name="error"/> is set when done.
    /// </summary>
    private ResponseHeadStatus TryParseResponseHead(PipeReader input, in ReadResult result, out ProxyError error)
    {
        error = ProxyError.None;
        ReadOnlySequence<byte> buffer = result.Buffer;
        _sawResponseBytes |= !buffer.IsEmpty;
        HttpParseResult parsed = Http1ResponseParser.TryParse(buffer, _response, _request.IsHead, out SequencePosition consumed, out _);
        if (parsed == HttpParseResult.Complete)
        {
            input.AdvanceTo(consumed);
            if (!_response.IsInformational)
            {
                return ResponseHeadStatus.Done;
            }

            // RFC 9110 §15.2: 1xx go to HTTP/1.1 clients only; our own 100 already answered Expect.
            if (_request.VersionMinor == 1 && !(_sentContinue && _response.StatusCode == 100))
            {
                Http1HeadWriter.WriteResponse(_output, _response, closeConnection: false, announceKeepAlive: false, _responses);
                return ResponseHeadStatus.Informational;
            }

            _response.Reset();
            return ResponseHeadStatus.Incomplete;
        }

        if (parsed == HttpParseResult.Error)
        {
            input.AdvanceTo(buffer.Start);
            error = ProxyError.UpstreamFailed;
            return ResponseHeadStatus.Done;
        }

        if (result.IsCompleted)
        {
            input.AdvanceTo(buffer.End);
            error = _sawResponseBytes ? ProxyError.UpstreamFailed : ProxyError.UpstreamClosedBeforeResponse;
            return ResponseHeadStatus.Done;
        }

        input.AdvanceTo(buffer.Start, buffer.End);
        return ResponseHeadStatus.Incomplete;
    }

    /// <summary>Step 4's 1xx, written by <see cref="TryParseResponseHead"/>, goes to the client; the wait for the final
    /// head starts again.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ProxyError> RelayInformationalAsync()
    {
        if (!await BodyCopier.FlushAsync(_output, RequestTimeout, _context.IdleTimeout).ConfigureAwait(false))
        {
            EndedCleanly = false;
            return ProxyError.ClientGone;
        }

        RequestTimeout.CancelAfter(_context.UpstreamTimeout);
        _response.Reset();
        return ProxyError.None;
    }

    private enum ResponseHeadStatus { Incomplete, Informational, Done }
}
