namespace Terminator.Acme.Wire;

/// <summary>An order object (RFC 8555 §7.1.3).</summary>
internal sealed class AcmeOrderDocument
{
    public string? Status { get; init; }

    public DateTimeOffset? Expires { get; init; }

    public List<AcmeIdentifierDocument>? Identifiers { get; init; }

    public List<string>? Authorizations { get; init; }

    public string? Finalize { get; init; }

    public string? Certificate { get; init; }

    public AcmeProblemDocument? Error { get; init; }
}
