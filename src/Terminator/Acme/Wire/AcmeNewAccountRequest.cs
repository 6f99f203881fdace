namespace Terminator.Acme.Wire;

/// <summary>The newAccount payload (RFC 8555 §7.3); null members are left out.</summary>
internal sealed class AcmeNewAccountRequest
{
    public List<string>? Contact { get; init; }

    public bool? TermsOfServiceAgreed { get; init; }

    public bool? OnlyReturnExisting { get; init; }

    public AcmeJwsDocument? ExternalAccountBinding { get; init; }
}
