namespace Terminator.Domains;

/// <summary>
/// Where a registry's writes go first when it is a fleet node's copy of a shared registry
/// (<see cref="ManagedDomainRegistry.AttachShared"/>; <c>Fleet/PostgresManagedDomains</c> implements it). Each call makes
/// the change in the shared registry, atomically with every other node's changes to the same domain, and then brings
/// the local copy in step (<see cref="ManagedDomainRegistry.ApplyShared"/>) before it returns, so a caller reads its own
/// write from the local copy. Reads never come here: they are served from the local copy.
/// </summary>
internal interface ISharedManagedDomains
{
    /// <summary>As <see cref="ManagedDomainRegistry.AddOrGetAsync"/>, for a normalised name.</summary>
    /// <exception cref="IOException">The shared registry could not be reached or refused the change.</exception>
    ValueTask<ManagedDomainAddResult> AddOrGetAsync(string name, ManagedKeyTypes? keyTypes, ManagedKeyTypes defaultKeyTypes, CancellationToken cancellationToken);

    /// <summary>As <see cref="ManagedDomainRegistry.UpdateAsync"/>: <paramref name="change"/> runs on the shared record
    /// (the current one, whichever node wrote it last), under the shared registry's lock on that domain.</summary>
    /// <exception cref="IOException">The shared registry could not be reached or refused the change.</exception>
    ValueTask<ManagedDomain?> UpdateAsync(string name, Func<ManagedDomain, ManagedDomain> change, CancellationToken cancellationToken);

    /// <summary>As <see cref="ManagedDomainRegistry.RemoveAsync"/>.</summary>
    /// <exception cref="IOException">The shared registry could not be reached or refused the change.</exception>
    ValueTask<ManagedDomain?> RemoveAsync(string name, CancellationToken cancellationToken);

    /// <summary>The shared record of <paramref name="name"/> as it is now (null when not managed), with the local copy
    /// brought in step with it.</summary>
    /// <exception cref="IOException">The shared registry could not be reached.</exception>
    ValueTask<ManagedDomain?> RefreshAsync(string name, CancellationToken cancellationToken);
}
