namespace Terminator.Admin;

/// <summary>
/// What <c>GET /v1/fleet</c> answers from: the shared store's nodes and certificates (implemented by the fleet's store,
/// <c>Terminator.Fleet.PostgresFleetView</c>; absent on a directory store, where the endpoint says it is not a fleet).
/// </summary>
internal interface IFleetView
{
    /// <summary>Every node (bounded by <see cref="FleetEndpoint.MaxNodes"/>) and one page of live certificates in id order
    /// after <paramref name="after"/>; or null and the reason when the database cannot answer now.</summary>
    ValueTask<(FleetResource? View, string? Unavailable)> GetAsync(string? after, int limit, CancellationToken cancellationToken);
}
