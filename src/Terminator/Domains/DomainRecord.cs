namespace Terminator.Domains;

/// <summary>One decoded record: <see cref="Domain"/> for a put, <see cref="Name"/> for a removal, <see cref="Count"/> for an end.</summary>
internal readonly record struct DomainRecord(DomainRecordKind Kind, ManagedDomain? Domain, string? Name, long Count);
