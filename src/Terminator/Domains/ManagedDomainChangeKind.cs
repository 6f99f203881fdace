namespace Terminator.Domains;

/// <summary>What happened to a managed domain (<see cref="ManagedDomainChange"/>).</summary>
internal enum ManagedDomainChangeKind
{
    /// <summary>It became managed.</summary>
    Added,

    /// <summary>Its record changed: state, times, key types (a PUT with another key type), certificates.</summary>
    Updated,

    /// <summary>It is no longer managed.</summary>
    Removed,
}
