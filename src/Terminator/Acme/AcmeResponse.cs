using System.Net;

namespace Terminator.Acme;

/// <summary>One response from the CA, read in full (ACME bodies are small: JSON objects and a PEM chain).</summary>
internal sealed record AcmeResponse(
    HttpStatusCode Status,
    byte[] Body,
    string? ContentType,
    Uri? Location,
    TimeSpan? RetryAfter,
    string? ReplayNonce,
    Uri RequestUri)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>RFC 7807 §3: a problem document is <c>application/problem+json</c>.</summary>
    public bool IsProblem => string.Equals(ContentType, "application/problem+json", StringComparison.OrdinalIgnoreCase);
}
