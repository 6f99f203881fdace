namespace Terminator.Acme.Wire;

/// <summary>An identifier (RFC 8555 §7.1.3, §9.7.7): type <c>dns</c> and a host name.</summary>
internal sealed class AcmeIdentifierDocument
{
    public string? Type { get; init; }

    public string? Value { get; init; }
}
