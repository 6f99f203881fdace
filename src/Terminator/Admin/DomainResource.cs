using Terminator.Domains;

namespace Terminator.Admin;

/// <summary>A managed domain as the API returns it (<c>GET /v1/domains/{name}</c>, list items, PUT responses). Times are UTC.</summary>
internal sealed record DomainResource(
    string Name,
    string State,
    string KeyType,
    DateTime? NotAfter,
    DateTime? NextRenewal,
    string? LastError,
    int Attempts,
    DateTime Added,
    DateTime Updated,
    IReadOnlyList<string> CertificateIds,
    string? IssuedBy,
    DateTime? IssuedAt)
{
    public static DomainResource From(ManagedDomain domain) => new(
        domain.Name,
        ManagedDomainNames.Format(domain.State),
        ManagedDomainNames.Format(domain.KeyTypes),
        domain.NotAfter?.UtcDateTime,
        domain.NextRenewal?.UtcDateTime,
        domain.LastError,
        domain.Attempts,
        domain.Added.UtcDateTime,
        domain.Updated.UtcDateTime,
        domain.CertificateIds,
        domain.IssuedBy,
        domain.IssuedAt?.UtcDateTime);
}
