namespace Terminator.Domains;

/// <summary>
/// A committed (durable) change, as <see cref="ManagedDomainRegistry.Changed"/> publishes it. It carries the name and
/// what happened, not the record: changes made by concurrent writers may be published in another order than they were
/// committed, so a handler reads the current record with <see cref="ManagedDomainRegistry.TryGet"/>.
/// </summary>
internal readonly record struct ManagedDomainChange(string Name, ManagedDomainChangeKind Kind);
