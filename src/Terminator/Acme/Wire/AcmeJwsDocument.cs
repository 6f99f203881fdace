namespace Terminator.Acme.Wire;

/// <summary>A JWS in flattened JSON serialization (RFC 7515 §7.2.2), the body of every ACME POST (RFC 8555 §6.2).</summary>
internal sealed class AcmeJwsDocument
{
    public required string Protected { get; init; }

    public required string Payload { get; init; }

    public required string Signature { get; init; }
}
