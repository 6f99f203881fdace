namespace Terminator.Acme.Wire;

/// <summary>A problem document (RFC 7807 §3.1, RFC 8555 §6.7); a subproblem also names its identifier (§6.7.1).</summary>
internal sealed class AcmeProblemDocument
{
    public string? Type { get; init; }

    public string? Detail { get; init; }

    public int? Status { get; init; }

    public string? Instance { get; init; }

    public AcmeIdentifierDocument? Identifier { get; init; }

    public List<AcmeProblemDocument>? Subproblems { get; init; }
}
