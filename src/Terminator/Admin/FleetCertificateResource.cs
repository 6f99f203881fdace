namespace Terminator.Admin;

/// <summary>One live certificate of <c>GET /v1/fleet</c>: which node (or host, for the CLI) wrote it last, and when. From
/// the plain columns, for operators: nodes serve only what authenticates.</summary>
internal sealed record FleetCertificateResource(
    string Id, IReadOnlyList<string> Names, DateTimeOffset NotAfter, long Generation, string UpdatedBy, DateTimeOffset UpdatedAt);
