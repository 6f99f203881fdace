namespace Terminator.Caching;

/// <summary>What <see cref="MicroCache.Lookup"/> found.</summary>
internal enum CacheLookupResult
{
    /// <summary>A fresh stored response: answer with it.</summary>
    Hit,

    /// <summary>Nothing stored: the caller is the leader of a new fill and must complete it.</summary>
    Miss,

    /// <summary>A stored response that expired: the caller leads the fill that replaces it.</summary>
    Expired,

    /// <summary>Another request is fetching this key: wait for its fill.</summary>
    Coalesced,

    /// <summary>The key changed hands too often to settle (a race lost repeatedly): go upstream without the cache.</summary>
    Busy,
}
