namespace Terminator.Acme.Wire;

/// <summary>The directory object (RFC 8555 §7.1.1), plus <c>renewalInfo</c> (RFC 9773 §4).</summary>
internal sealed class AcmeDirectoryDocument
{
    public string? NewNonce { get; init; }

    public string? NewAccount { get; init; }

    public string? NewOrder { get; init; }

    public string? RevokeCert { get; init; }

    public string? KeyChange { get; init; }

    public string? RenewalInfo { get; init; }

    public AcmeDirectoryMetaDocument? Meta { get; init; }
}
