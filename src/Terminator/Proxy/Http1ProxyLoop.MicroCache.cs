using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Terminator.AccessLog;
using Terminator.Caching;
using Terminator.Http;
using Terminator.Infrastructure;
using Terminator.Upstream;

namespace Terminator.Proxy;

// The micro-cache's hooks (TERMINATOR_CACHE_TTL): before step 2 a cacheable request is looked up and a hit answered from
// memory; a miss leads the fill of its key, and its response, when storable, is read whole, stored and then sent (steps
// 5-6 as one write). With the cache off, every request goes upstream (ForwardUncached).
internal sealed partial class Http1ProxyLoop
{
    // The fill this request leads (a cacheable miss): completed when its response is stored, else with null at the end.
    private CacheFill? _cacheFill;

    /// <summary>Steps 2-6 without the micro-cache (off, the default): the request is counted and goes upstream.</summary>
    private RequestRoute ForwardUncached()
    {
        _context.Metrics.Request();
        return RequestRoute.Forward;
    }

    /// <summary>
    /// The micro-cache's part before step 2: a hit (or what a coalesced wait brought) is answered here; otherwise the
    /// request goes upstream (<see cref="RequestRoute.Forward"/>), leading its key's fill when it is a cacheable miss
    /// (<see cref="_cacheFill"/>, completed by <see cref="RelayAndStoreAsync"/> or <see cref="AbandonCacheFill"/>).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RequestRoute> ServeFromCacheAsync(MicroCache cache)
    {
        if (!CacheRequestPolicy.Allows(_request, HasRequestBody))
        {
            _context.Metrics.CacheBypass();
            return ForwardUncached(AccessLogCacheStatus.Bypass);
        }

        CacheLookupResult result = LookUp(cache, out CachedResponse? response, out CacheFill? fill);
        if (result == CacheLookupResult.Hit)
        {
            return await AnswerFromCacheAsync(response!).ConfigureAwait(false);
        }

        if (result == CacheLookupResult.Coalesced)
        {
            // Another request is fetching this very key: its answer is ours. When it brings back nothing storable (or
            // takes longer than the upstream may), go upstream alone, as nginx's proxy_cache_lock does.
            response = await WaitForFillAsync(fill!).ConfigureAwait(false);
            return response is not null
                ? await AnswerFromCacheAsync(response).ConfigureAwait(false)
                : ForwardUncached(AccessLogCacheStatus.Miss);
        }

        if (fill is null)
        {
            return ForwardUncached(AccessLogCacheStatus.Miss); // Busy
        }

        SetCacheStatus(result == CacheLookupResult.Expired ? AccessLogCacheStatus.Expired : AccessLogCacheStatus.Miss);
        _cacheFill = fill;
        return ForwardUncached();
    }

    /// <summary>The end of steps 2-6: a fill this request led and did not store (uncacheable, failed) ends empty, so the
    /// requests waiting for it go upstream themselves.</summary>
    private void AbandonCacheFill()
    {
        if (_cacheFill is { } unfinished)
        {
            _cacheFill = null;
            _context.Cache!.Complete(unfinished, null);
        }
    }

    private CacheLookupResult LookUp(MicroCache cache, out CachedResponse? response, out CacheFill? fill)
    {
        byte[] key = ArrayPool<byte>.Shared.Rent(CacheKey.GetLength(_request));
        try
        {
            int length = CacheKey.Write(key, _request, _isHttps);
            return cache.Lookup(key.AsSpan(0, length), out response, out fill);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(key);
        }
    }

    private RequestRoute ForwardUncached(AccessLogCacheStatus status)
    {
        SetCacheStatus(status);
        return ForwardUncached();
    }

    private async Task<CachedResponse?> WaitForFillAsync(CacheFill fill)
    {
        try
        {
            return await fill.Completion.WaitAsync(_context.UpstreamTimeout, _connection.ServerAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>A hit (or the response a coalesced wait brought): written from memory with its Age; nothing goes upstream.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RequestRoute> AnswerFromCacheAsync(CachedResponse response)
    {
        SetCacheStatus(AccessLogCacheStatus.Hit);
        bool closeClient = !_request.KeepAlive || _connection.ServerStopping.IsCancellationRequested;
        int bodyBytes = CachedResponseWriter.Write(_output, response, response.AgeSeconds(MicroCache.Now), closeClient, announceKeepAlive: _request.VersionMinor == 0);
        bool flushed = await BodyCopier.FlushAsync(_output, RequestTimeout, _context.IdleTimeout).ConfigureAwait(false);
        _context.Metrics.RequestCompleted(response.StatusCode, _requestStarted);
        AccessLogCachedResponse(response.StatusCode, flushed ? bodyBytes : 0);
        if (!flushed)
        {
            EndedCleanly = false;
            return RequestRoute.Close;
        }

        return closeClient ? RequestRoute.Close : RequestRoute.Answered;
    }

    /// <summary>Whether the response head just read completes the fill this request leads (see <see cref="CacheResponsePolicy"/>).</summary>
    private bool ShouldStoreResponse(out TimeSpan lifetime)
    {
        lifetime = default;
        return _cacheFill is not null && _context.Cache is { } cache
            && CacheResponsePolicy.TryGetLifetime(_response, _request.IsHead, cache.Ttl, cache.OriginHeaders, out lifetime);
    }

    /// <summary>
    /// Steps 5 and 6 for a response that will be stored: the body is read whole (at most
    /// <see cref="Configuration.CacheOptions.MaxBodyBytes"/>) before anything goes to the client, so a failure mid-body is
    /// still a clean 502/504 and nothing half is stored; then the entry is published (the coalesced requests get it) and
    /// written like a hit, without Age.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> RelayAndStoreAsync(UpstreamConnection upstream, TimeSpan lifetime)
    {
        MicroCache cache = _context.Cache!;
        CacheFill fill = _cacheFill!;
        byte[] head = CachedResponseHead.Encode(_response, _responses);
        long length = !_request.IsHead && _response.Framing == BodyFraming.ContentLength ? _response.ContentLength : 0;
        _response.ReleaseFields();
        byte[] body = length == 0 ? [] : new byte[length];
        ProxyError error = await ReadUpstreamBodyAsync(upstream.Input, body).ConfigureAwait(false);
        if (error != ProxyError.None)
        {
            await _context.Upstream.RetireAsync(upstream).ConfigureAwait(false);
            return await FailAsync(error).ConfigureAwait(false); // the fill ends with null in AbandonCacheFill
        }

        if (_response.KeepAlive)
        {
            _context.Upstream.Return(upstream);
        }
        else
        {
            await _context.Upstream.RetireAsync(upstream).ConfigureAwait(false);
        }

        long now = MicroCache.Now;
        var entry = new CachedResponse(fill.Key, head, body, _response.StatusCode, now, now + (long)lifetime.TotalMilliseconds);
        _cacheFill = null;
        cache.Complete(fill, entry);

        bool closeClient = !_request.KeepAlive || _connection.ServerStopping.IsCancellationRequested;
        int bodyBytes = CachedResponseWriter.Write(_output, entry, ageSeconds: -1, closeClient, announceKeepAlive: _request.VersionMinor == 0);
        bool flushed = await BodyCopier.FlushAsync(_output, RequestTimeout, _context.IdleTimeout).ConfigureAwait(false);
        _context.Metrics.RequestCompleted(entry.StatusCode, _requestStarted);
        AccessLogRelayed(flushed ? bodyBytes : 0);
        if (!flushed)
        {
            EndedCleanly = false;
            return false;
        }

        return !closeClient;
    }

    /// <summary>Reads exactly <paramref name="body"/>'s length from the upstream, each read bounded by the upstream timeout.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ProxyError> ReadUpstreamBodyAsync(PipeReader input, byte[] body)
    {
        int filled = 0;
        while (filled < body.Length)
        {
            ReadResult result;
            try
            {
                RequestTimeout.CancelAfter(_context.UpstreamTimeout);
                result = await input.ReadAsync(RequestTimeout.Token).ConfigureAwait(false);
                ReturnRequestTimeout();
            }
            catch (OperationCanceledException)
            {
                return ProxyError.UpstreamTimeout;
            }
            catch (Exception ex) when (TransportFailure.Is(ex))
            {
                return ProxyError.UpstreamFailed;
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            int take = (int)Math.Min(buffer.Length, body.Length - filled);
            buffer.Slice(0, take).CopyTo(body.AsSpan(filled));
            filled += take;
            input.AdvanceTo(buffer.GetPosition(take));
            if (filled < body.Length && result.IsCompleted)
            {
                return ProxyError.UpstreamFailed;
            }
        }

        return ProxyError.None;
    }

    private void SetCacheStatus(AccessLogCacheStatus status)
    {
        if (AccessLogWriter is not null)
        {
            _accessLogRecord.CacheStatus = status;
        }
    }

    /// <summary>Answered from the micro-cache: the stored status and the body bytes delivered; no upstream part.</summary>
    private void AccessLogCachedResponse(int statusCode, long bodyBytes)
    {
        if (AccessLogWriter is null)
        {
            return;
        }

        _accessLogRecord.Status = statusCode;
        _accessLogRecord.BodyBytesSent = bodyBytes;
        WriteAccessLog();
    }
}
