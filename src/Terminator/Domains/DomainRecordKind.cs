namespace Terminator.Domains;

/// <summary>The operation a persisted record carries (its first payload byte; values are never renumbered).</summary>
internal enum DomainRecordKind : byte
{
    /// <summary>The whole record of one domain, replacing any earlier one.</summary>
    Put = 1,

    /// <summary>The domain is no longer managed.</summary>
    Remove = 2,

    /// <summary>The last record of a snapshot, with the number of records before it.</summary>
    End = 3,
}
