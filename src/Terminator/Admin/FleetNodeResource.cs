namespace Terminator.Admin;

/// <summary>One node of <c>GET /v1/fleet</c>, as of its last heartbeat (every 5 s; ages by the database's clock).</summary>
/// <param name="Id">Host name, process id and a random suffix: also its order leases' holder and its writes' updatedBy.</param>
/// <param name="HeartbeatAgeSeconds">Seconds since its last heartbeat: a node that stopped or lost the database grows old.</param>
/// <param name="Connected">Whether its follower was listening for changes at its last heartbeat.</param>
/// <param name="AppliedGeneration">The last store generation its snapshot had applied at its last heartbeat.</param>
/// <param name="GenerationsBehind">The store's newest generation minus <see cref="AppliedGeneration"/> (0 when in step).</param>
/// <param name="LagSeconds">How old, at its last heartbeat, the oldest change it had not applied was (0 when in step).</param>
internal sealed record FleetNodeResource(
    string Id, string Host, string Version, DateTimeOffset StartedAt, DateTimeOffset LastHeartbeat, double HeartbeatAgeSeconds, bool Connected,
    long AppliedGeneration, long GenerationsBehind, double LagSeconds);
