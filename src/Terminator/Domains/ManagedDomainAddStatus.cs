namespace Terminator.Domains;

/// <summary>What <see cref="ManagedDomainRegistry.AddOrGetAsync"/> did.</summary>
internal enum ManagedDomainAddStatus
{
    /// <summary>The domain was not managed and now is.</summary>
    Added,

    /// <summary>It was managed already and nothing changed.</summary>
    AlreadyManaged,

    /// <summary>It was managed already with other key types, which were replaced by the ones asked for.</summary>
    KeyTypesChanged,
}
