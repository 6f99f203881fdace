namespace Terminator.Acme.Wire;

/// <summary>A challenge object (RFC 8555 §7.1.5, §8): its type, URL, status, token and, once invalid, the error.</summary>
internal sealed class AcmeChallengeDocument
{
    public string? Type { get; init; }

    public string? Url { get; init; }

    public string? Status { get; init; }

    public string? Token { get; init; }

    public AcmeProblemDocument? Error { get; init; }
}
