namespace Terminator.Admin;

/// <summary>One page of <c>GET /v1/fleet</c>: the store's newest generation, every node, and a page of certificates
/// (<see cref="NextCursor"/> is null on the last page).</summary>
/// <param name="LatestGeneration">The highest generation in the store now (nodes compare their applied one with it).</param>
internal sealed record FleetResource(
    long LatestGeneration, IReadOnlyList<FleetNodeResource> Nodes, IReadOnlyList<FleetCertificateResource> Certificates, string? NextCursor);
