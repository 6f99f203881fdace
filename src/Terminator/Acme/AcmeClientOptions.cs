namespace Terminator.Acme;

/// <summary>
/// How to reach one ACME CA and what to ask it for. Immutable; validated by <see cref="Validate"/> when an
/// <see cref="AcmeClient"/> is created. Every wait the client makes is bounded by one of the timeouts here, and by the
/// caller's cancellation token.
/// </summary>
internal sealed record AcmeClientOptions
{
    /// <summary>The CA's directory URL (RFC 8555 §7.1.1), e.g. <c>https://acme-v02.api.letsencrypt.org/directory</c>.</summary>
    public required Uri DirectoryUri { get; init; }

    /// <summary>
    /// A PEM file of CA certificates trusted for the directory's own HTTPS in addition to the system store (a test CA
    /// such as Pebble, whose API certificate is signed by a CA of its own). Null: the system store only.
    /// </summary>
    public string? AdditionalRootCertificatesPemPath { get; init; }

    /// <summary>Contact address for the account (<c>mailto:</c> is added), or null for none (RFC 8555 §7.3).</summary>
    public string? Email { get; init; }

    /// <summary>Whether the operator agrees to the CA's terms of service (<c>termsOfServiceAgreed</c>, RFC 8555 §7.3).
    /// CAs that publish terms refuse a new account without it.</summary>
    public bool TermsOfServiceAgreed { get; init; } = true;

    /// <summary>External Account Binding key identifier from the CA (RFC 8555 §7.3.4); set together with
    /// <see cref="ExternalAccountHmacKey"/>, or neither.</summary>
    public string? ExternalAccountKeyId { get; init; }

    /// <summary>External Account Binding MAC key as the CA hands it out: base64url (padding and standard base64
    /// tolerated). Never logged.</summary>
    public string? ExternalAccountHmacKey { get; init; }

    /// <summary>The key type for new certificates when the caller does not say.</summary>
    public AcmeKeyType DefaultKeyType { get; init; } = AcmeKeyType.EcdsaP256;

    /// <summary>Challenge types to use, most preferred first; the first one the CA offers for an authorization wins.</summary>
    public IReadOnlyList<string> ChallengePreference { get; init; } = AcmeChallengeTypes.DefaultPreference;

    /// <summary>Bound on one HTTP exchange with the CA (connect, TLS, request, response body).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on waiting for the CA to validate the challenges of one order (all its authorizations).</summary>
    public TimeSpan ValidationTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Bound on waiting for an order to become ready and, after finalization, valid.</summary>
    public TimeSpan OrderTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Pause between polls when the CA sends no Retry-After (RFC 8555 §7.5.1 asks clients to poll gently).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest pause between polls, even when the CA's Retry-After asks for more (the timeouts above still end the wait).</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound on a responder's <see cref="IAcmeChallengeResponder.CleanupAsync"/>, which also runs after the
    /// caller cancelled.</summary>
    public TimeSpan CleanupTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (!DirectoryUri.IsAbsoluteUri || (DirectoryUri.Scheme != Uri.UriSchemeHttps && DirectoryUri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"DirectoryUri must be an absolute http(s) URL: {DirectoryUri}", nameof(DirectoryUri));
        }

        if ((ExternalAccountKeyId is null) != (ExternalAccountHmacKey is null))
        {
            throw new ArgumentException("ExternalAccountKeyId and ExternalAccountHmacKey are set together or not at all.", nameof(ExternalAccountKeyId));
        }

        if (ExternalAccountHmacKey is not null && AcmeJws.DecodeHmacKey(ExternalAccountHmacKey) is null)
        {
            throw new ArgumentException("ExternalAccountHmacKey is not base64url (the MAC key as the CA printed it)", nameof(ExternalAccountHmacKey));
        }

        if (ChallengePreference.Count == 0)
        {
            throw new ArgumentException("ChallengePreference names no challenge type.", nameof(ChallengePreference));
        }

        foreach (string type in ChallengePreference)
        {
            if (!AcmeChallengeTypes.IsSupported(type))
            {
                throw new ArgumentException($"unsupported challenge type '{type}' (supported: {AcmeChallengeTypes.Http01}, {AcmeChallengeTypes.TlsAlpn01})", nameof(ChallengePreference));
            }
        }

        foreach ((string name, TimeSpan value) in (ReadOnlySpan<(string, TimeSpan)>)[(nameof(RequestTimeout), RequestTimeout),
                     (nameof(ValidationTimeout), ValidationTimeout), (nameof(OrderTimeout), OrderTimeout),
                     (nameof(PollInterval), PollInterval), (nameof(MaxPollInterval), MaxPollInterval), (nameof(CleanupTimeout), CleanupTimeout)])
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentException($"{name} must be positive.", name);
            }
        }
    }
}
