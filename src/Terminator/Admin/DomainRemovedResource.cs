namespace Terminator.Admin;

/// <summary>The answer to <c>DELETE /v1/domains/{name}</c>: it is no longer managed, and whether its certificates were purged.</summary>
internal sealed record DomainRemovedResource(string Name, bool Removed, bool Purged);
