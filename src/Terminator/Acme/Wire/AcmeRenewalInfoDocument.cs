using System.Text.Json.Serialization;

namespace Terminator.Acme.Wire;

/// <summary>A RenewalInfo object (RFC 9773 §4.2).</summary>
internal sealed class AcmeRenewalInfoDocument
{
    public AcmeRenewalWindowDocument? SuggestedWindow { get; init; }

    // Spelled in upper case by RFC 9773 §4.2, unlike every other member.
    [JsonPropertyName("explanationURL")]
    public string? ExplanationUrl { get; init; }
}
