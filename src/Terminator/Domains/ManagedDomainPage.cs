namespace Terminator.Domains;

/// <summary>One page of <see cref="ManagedDomainRegistry.List"/>, in name order (ordinal).</summary>
/// <param name="Items">At most the limit asked for.</param>
/// <param name="Next">Where the next page starts; null when this page holds the last domain.</param>
internal sealed record ManagedDomainPage(IReadOnlyList<ManagedDomain> Items, ManagedDomainCursor? Next);
