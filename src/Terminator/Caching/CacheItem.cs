namespace Terminator.Caching;

/// <summary>What the micro-cache holds under a key: a stored response, or the fill of one in progress.</summary>
internal abstract class CacheItem(byte[] key)
{
    /// <summary>The key bytes (<see cref="CacheKey"/>), shared by the items that follow each other under it.</summary>
    public byte[] Key { get; } = key;
}
