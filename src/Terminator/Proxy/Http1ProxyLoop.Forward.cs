using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Terminator.Http;
using Terminator.Upstream;

namespace Terminator.Proxy;

internal sealed partial class Http1ProxyLoop
{
    /// <summary>Steps 2-6 for the request in <see cref="_request"/>. Returns whether the client connection stays open.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ForwardAsync()
    {
        UpstreamPool pool = _context.Upstream;
        bool hasBody = _request.Framing == BodyFraming.Chunked || (_request.Framing == BodyFraming.ContentLength && _request.ContentLength > 0);
        bool sentContinue = false;

        for (int attempt = 0; ; attempt++)
        {
            // :: Step 2 — an upstream connection (the wait for a free slot is bounded by the upstream timeout).
            UpstreamConnection upstream;
            try
            {
                _requestTimeout.CancelAfter(_context.UpstreamTimeout);
                upstream = attempt == 0
                    ? await pool.RentAsync(_requestTimeout.Token).ConfigureAwait(false)
                    : await pool.RentNewAsync(_requestTimeout.Token).ConfigureAwait(false);
                _requestTimeout.CancelAfter(Timeout.InfiniteTimeSpan);
            }
            catch (UpstreamConnectException ex)
            {
                _context.Metrics.UpstreamError();
                _context.Log.Warn($"upstream unreachable: {ex.Message}");
                await SendErrorAsync(502).ConfigureAwait(false);
                return false;
            }
            catch (OperationCanceledException)
            {
                _context.Metrics.UpstreamTimeout();
                await SendErrorAsync(504).ConfigureAwait(false);
                return false;
            }
            catch (ObjectDisposedException)
            {
                await SendErrorAsync(503).ConfigureAwait(false);
                return false;
            }

            // Exactly one transparent retry, only when it cannot duplicate a side effect: an idempotent request without
            // a body, on a pooled connection that died before sending any response byte (the keep-alive race,
            // dotnet/corefx#27908). The retry uses a fresh connection, never another pooled one.
            bool canRetry = attempt == 0 && upstream.IsReused && _request.IsIdempotent && !hasBody;

            // :: Step 3 — request head (+ body) upstream.
            Http1HeadWriter.WriteRequest(upstream.Output, _request, ClientAddress, _isHttps ? ProtoHttps : ProtoHttp, _context.ForwardedHeaders);
            if (!hasBody)
            {
                if (!await BodyCopier.FlushAsync(upstream.Output, _requestTimeout, _context.UpstreamTimeout).ConfigureAwait(false))
                {
                    await pool.RetireAsync(upstream).ConfigureAwait(false);
                    if (canRetry)
                    {
                        _context.Metrics.UpstreamRetry();
                        continue;
                    }

                    return await FailAsync(502).ConfigureAwait(false);
                }
            }
            else
            {
                if (_request.ExpectContinue && _request.VersionMinor == 1 && !sentContinue)
                {
                    // RFC 9110 §10.1.1: we are going to read the body anyway, so say so at once (as nginx does) rather
                    // than making the client wait for the upstream's own 100, which we then drop.
                    _output.Write(Continue100);
                    if (!await BodyCopier.FlushAsync(_output, _requestTimeout, _context.IdleTimeout).ConfigureAwait(false))
                    {
                        EndedCleanly = false;
                        await pool.RetireAsync(upstream).ConfigureAwait(false);
                        return false;
                    }

                    sentContinue = true;
                }

                CopyOutcome sent = _request.Framing == BodyFraming.ContentLength
                    ? await BodyCopier.CopyExactAsync(_input, upstream.Output, _request.ContentLength, _requestTimeout, _context.IdleTimeout, _context.RequestBodyRate).ConfigureAwait(false)
                    : await BodyCopier.CopyChunkedAsync(_input, upstream.Output, _requestTimeout, _context.IdleTimeout, _context.RequestBodyRate).ConfigureAwait(false);
                if (sent != CopyOutcome.Completed)
                {
                    await pool.RetireAsync(upstream).ConfigureAwait(false);
                    return sent switch
                    {
                        CopyOutcome.DestinationFailed => await FailAsync(502).ConfigureAwait(false),
                        CopyOutcome.SourceTimedOut => await FailAsync(408).ConfigureAwait(false),
                        CopyOutcome.SourceInvalid => await FailAsync(400).ConfigureAwait(false),
                        _ => false,
                    };
                }
            }

            // :: Step 4 — the response head (1xx relayed on the way).
            ResponseHeadStatus status = await ReadResponseHeadAsync(upstream, sentContinue).ConfigureAwait(false);
            if (status != ResponseHeadStatus.Complete)
            {
                await pool.RetireAsync(upstream).ConfigureAwait(false);
                switch (status)
                {
                    case ResponseHeadStatus.ClosedBeforeResponse when canRetry:
                        _context.Metrics.UpstreamRetry();
                        continue;
                    case ResponseHeadStatus.TimedOut:
                        _context.Metrics.UpstreamTimeout();
                        await SendErrorAsync(504).ConfigureAwait(false);
                        return false;
                    case ResponseHeadStatus.ClientGone:
                        return false;
                    default:
                        return await FailAsync(502).ConfigureAwait(false);
                }
            }

            // :: Step 5 — relay head and body with the framing the upstream chose.
            bool closeClient = !_request.KeepAlive
                || _response.Framing == BodyFraming.CloseDelimited
                || (_response.Framing == BodyFraming.Chunked && _request.VersionMinor == 0)
                || _context.Drain.Stopping.IsCancellationRequested;
            Http1HeadWriter.WriteResponse(_output, _response, closeClient, announceKeepAlive: _request.VersionMinor == 0);
            CopyOutcome relayed = _response.Framing switch
            {
                BodyFraming.ContentLength when _response.ContentLength > 0 =>
                    await BodyCopier.CopyExactAsync(upstream.Input, _output, _response.ContentLength, _requestTimeout, _context.UpstreamTimeout).ConfigureAwait(false),
                BodyFraming.Chunked =>
                    await BodyCopier.CopyChunkedAsync(upstream.Input, _output, _requestTimeout, _context.UpstreamTimeout).ConfigureAwait(false),
                BodyFraming.CloseDelimited =>
                    await BodyCopier.CopyToEndAsync(upstream.Input, _output, _requestTimeout, _context.UpstreamTimeout).ConfigureAwait(false),
                _ => await BodyCopier.FlushAsync(_output, _requestTimeout, _context.IdleTimeout).ConfigureAwait(false)
                    ? CopyOutcome.Completed
                    : CopyOutcome.DestinationFailed,
            };

            // :: Step 6 — the upstream connection goes back only at a clean message boundary.
            if (relayed == CopyOutcome.Completed && _response.KeepAlive && _response.Framing != BodyFraming.CloseDelimited)
            {
                pool.Return(upstream);
            }
            else
            {
                await pool.RetireAsync(upstream).ConfigureAwait(false);
            }

            if (relayed != CopyOutcome.Completed)
            {
                EndedCleanly = false;
                if (relayed != CopyOutcome.DestinationFailed)
                {
                    // The response head is already out, so the only honest signal left is closing mid-body.
                    _context.Metrics.UpstreamError();
                }

                return false;
            }

            return !closeClient;
        }
    }

    private async ValueTask<bool> FailAsync(int statusCode)
    {
        if (statusCode >= 500)
        {
            _context.Metrics.UpstreamError();
        }

        await SendErrorAsync(statusCode).ConfigureAwait(false);
        return false;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ResponseHeadStatus> ReadResponseHeadAsync(UpstreamConnection upstream, bool sentContinue)
    {
        _response.Reset();
        bool sawBytes = false;
        _requestTimeout.CancelAfter(_context.UpstreamTimeout);
        try
        {
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await upstream.Input.ReadAsync(_requestTimeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return ResponseHeadStatus.TimedOut;
                }
                catch (Exception ex) when (BodyCopier.IsTransportFailure(ex))
                {
                    return sawBytes ? ResponseHeadStatus.Invalid : ResponseHeadStatus.ClosedBeforeResponse;
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                sawBytes |= !buffer.IsEmpty;
                HttpParseResult parsed = Http1ResponseParser.TryParse(buffer, _response, _request.IsHead, out SequencePosition consumed, out _);
                if (parsed == HttpParseResult.Complete)
                {
                    upstream.Input.AdvanceTo(consumed);
                    if (!_response.IsInformational)
                    {
                        return ResponseHeadStatus.Complete;
                    }

                    // RFC 9110 §15.2: 1xx go to HTTP/1.1 clients only; our own 100 already answered Expect.
                    if (_request.VersionMinor == 1 && !(sentContinue && _response.StatusCode == 100))
                    {
                        Http1HeadWriter.WriteResponse(_output, _response, closeConnection: false);
                        if (!await BodyCopier.FlushAsync(_output, _requestTimeout, _context.IdleTimeout).ConfigureAwait(false))
                        {
                            EndedCleanly = false;
                            return ResponseHeadStatus.ClientGone;
                        }

                        _requestTimeout.CancelAfter(_context.UpstreamTimeout);
                    }

                    _response.Reset();
                    continue;
                }

                if (parsed == HttpParseResult.Error)
                {
                    upstream.Input.AdvanceTo(buffer.Start);
                    return ResponseHeadStatus.Invalid;
                }

                if (result.IsCompleted)
                {
                    upstream.Input.AdvanceTo(buffer.End);
                    return sawBytes ? ResponseHeadStatus.Invalid : ResponseHeadStatus.ClosedBeforeResponse;
                }

                upstream.Input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            _requestTimeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    private enum ResponseHeadStatus { Complete, ClosedBeforeResponse, Invalid, TimedOut, ClientGone }
}
