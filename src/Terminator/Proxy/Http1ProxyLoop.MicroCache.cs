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
// 5-6 as one write). With the cache off, ServeAsync is ForwardAsync.
internal sealed partial class Http1ProxyLoop
{
    // The fill this request leads (a cacheable miss): completed when its response is stored, else with null at the end.
    private CacheFill? _cacheFill;

    /// <summary>Steps 2-6, or an answer from the micro-cache. Returns whether the client connection stays open.</summary>
    /// <remarks>Without a cache (the default) the forward's own task is returned, not awaited in another async method:
    /// every suspended async method holds a state-machine box, and the pooling builder keeps only a few per core, so
    /// with many requests in flight each level costs an allocation per request.</remarks>
    private ValueTask<bool> ServeAsync()
    {
        if (_context.Cache is null)
        {
            _context.Metrics.Request();
            return ForwardAsync();
        }

        return ServeThroughCacheAsync(_context.Cache);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ServeThroughCacheAsync(MicroCache cache)
    {

        if (!CacheRequestPolicy.Allows(_request, HasRequestBody))
        {
            _context.Metrics.CacheBypass();
            return await ForwardUncachedAsync(AccessLogCacheStatus.Bypass).ConfigureAwait(false);
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
                : await ForwardUncachedAsync(AccessLogCacheStatus.Miss).ConfigureAwait(false);
        }

        if (fill is null)
        {
            return await ForwardUncachedAsync(AccessLogCacheStatus.Miss).ConfigureAwait(false); // Busy
        }

        SetCacheStatus(result == CacheLookupResult.Expired ? AccessLogCacheStatus.Expired : AccessLogCacheStatus.Miss);
        _cacheFill = fill;
        try
        {
            _context.Metrics.Request();
            return await ForwardAsync().ConfigureAwait(false);
        }
        finally
        {
            // Not stored (uncacheable, failed): the waiting requests must not wait any longer.
            if (_cacheFill is { } unfinished)
            {
                _cacheFill = null;
                cache.Complete(unfinished, null);
            }
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

    private ValueTask<bool> ForwardUncachedAsync(AccessLogCacheStatus status)
    {
        SetCacheStatus(status);
        _context.Metrics.Request();
        return ForwardAsync();
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
    private async ValueTask<bool> AnswerFromCacheAsync(CachedResponse response)
    {
        SetCacheStatus(AccessLogCacheStatus.Hit);
        bool closeClient = !_request.KeepAlive || _connection.ServerStopping.IsCancellationRequested;
        int bodyBytes = CachedResponseWriter.Write(_output, response, response.AgeSeconds(MicroCache.Now), closeClient, announceKeepAlive: _request.VersionMinor == 0);
        bool flushed = await BodyCopier.FlushAsync(_output, _requestTimeout, _context.IdleTimeout).ConfigureAwait(false);
        _context.Metrics.RequestCompleted(response.StatusCode, _requestStarted);
        AccessLogCachedResponse(response.StatusCode, flushed ? bodyBytes : 0);
        if (!flushed)
        {
            EndedCleanly = false;
            return false;
        }

        return !closeClient;
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
            return await FailAsync(error).ConfigureAwait(false); // the fill ends with null in ServeAsync
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
        bool flushed = await BodyCopier.FlushAsync(_output, _requestTimeout, _context.IdleTimeout).ConfigureAwait(false);
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
                _requestTimeout.CancelAfter(_context.UpstreamTimeout);
                result = await input.ReadAsync(_requestTimeout.Token).ConfigureAwait(false);
                _requestTimeout.CancelAfter(Timeout.InfiniteTimeSpan);
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
