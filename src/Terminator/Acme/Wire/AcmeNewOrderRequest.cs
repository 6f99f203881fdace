namespace Terminator.Acme.Wire;

/// <summary>The newOrder payload (RFC 8555 §7.4), with <c>replaces</c> (RFC 9773 §5) when renewing.</summary>
internal sealed class AcmeNewOrderRequest
{
    public required List<AcmeIdentifierDocument> Identifiers { get; init; }

    public string? Replaces { get; init; }
}
