namespace Terminator.Acme.Wire;

/// <summary>An account object as the CA returns it (RFC 8555 §7.1.2).</summary>
internal sealed class AcmeAccountDocument
{
    public string? Status { get; init; }

    public List<string>? Contact { get; init; }
}
