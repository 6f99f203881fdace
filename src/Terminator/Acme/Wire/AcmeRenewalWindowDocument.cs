namespace Terminator.Acme.Wire;

/// <summary>RFC 9773 §4.2 <c>suggestedWindow</c>: renew at a random moment in [start, end).</summary>
internal sealed class AcmeRenewalWindowDocument
{
    public DateTimeOffset? Start { get; init; }

    public DateTimeOffset? End { get; init; }
}
