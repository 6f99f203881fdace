namespace Terminator.Admin;

/// <summary>One page of <c>GET /v1/domains</c>; <see cref="NextCursor"/> is null on the last page.</summary>
internal sealed record DomainListResource(IReadOnlyList<DomainResource> Items, string? NextCursor);
