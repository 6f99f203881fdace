namespace Terminator.Acme.Wire;

/// <summary>The directory's <c>meta</c> object (RFC 8555 §7.1.1).</summary>
internal sealed class AcmeDirectoryMetaDocument
{
    public string? TermsOfService { get; init; }

    public string? Website { get; init; }

    public List<string>? CaaIdentities { get; init; }

    public bool ExternalAccountRequired { get; init; }
}
