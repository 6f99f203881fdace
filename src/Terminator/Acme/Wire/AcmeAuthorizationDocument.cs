namespace Terminator.Acme.Wire;

/// <summary>An authorization object (RFC 8555 §7.1.4).</summary>
internal sealed class AcmeAuthorizationDocument
{
    public string? Status { get; init; }

    public DateTimeOffset? Expires { get; init; }

    public AcmeIdentifierDocument? Identifier { get; init; }

    public List<AcmeChallengeDocument>? Challenges { get; init; }

    public bool Wildcard { get; init; }
}
