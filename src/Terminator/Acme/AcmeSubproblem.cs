namespace Terminator.Acme;

/// <summary>One identifier's part of a compound problem (RFC 8555 §6.7.1).</summary>
/// <param name="Type">The problem type URI, e.g. <c>urn:ietf:params:acme:error:rejectedIdentifier</c>.</param>
/// <param name="Detail">The CA's human-readable explanation, or empty.</param>
/// <param name="Identifier">The identifier value (a host name) the subproblem is about, or null.</param>
internal sealed record AcmeSubproblem(string Type, string Detail, string? Identifier)
{
    public override string ToString() => Identifier is null ? $"{Type}: {Detail}" : $"{Identifier}: {Type}: {Detail}";
}
