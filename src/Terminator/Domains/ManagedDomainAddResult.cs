namespace Terminator.Domains;

/// <summary>The outcome of <see cref="ManagedDomainRegistry.AddOrGetAsync"/>: the record as stored now, and what changed.</summary>
internal readonly record struct ManagedDomainAddResult(ManagedDomain Domain, ManagedDomainAddStatus Status);
