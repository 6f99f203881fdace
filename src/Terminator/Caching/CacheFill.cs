namespace Terminator.Caching;

/// <summary>
/// A miss on its way upstream: the placeholder under the key while the first request for it (the leader) fetches the
/// response. Requests for the same key that arrive meanwhile wait on <see cref="Completion"/> instead of going upstream
/// too (request coalescing, nginx's proxy_cache_lock); they get the stored response, or null when it could not be stored
/// (an uncacheable answer, an upstream failure), and then go upstream on their own.
/// </summary>
internal sealed class CacheFill(byte[] key) : CacheItem(key)
{
    private readonly TaskCompletionSource<CachedResponse?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once, with the response or null.</summary>
    public Task<CachedResponse?> Completion => _completion.Task;

    internal void Complete(CachedResponse? response) => _completion.TrySetResult(response);
}
