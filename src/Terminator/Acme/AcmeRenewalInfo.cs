namespace Terminator.Acme;

/// <summary>
/// The CA's renewal advice for one certificate (RFC 9773 §4.2): renew at a moment chosen uniformly at random in
/// [<see cref="WindowStart"/>, <see cref="WindowEnd"/>) (§4.2: a window in the past means renew now), and ask again
/// after <see cref="RetryAfter"/>.
/// </summary>
internal sealed record AcmeRenewalInfo(DateTimeOffset WindowStart, DateTimeOffset WindowEnd, Uri? ExplanationUrl, TimeSpan? RetryAfter);
