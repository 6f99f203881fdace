namespace Terminator.Acme;

/// <summary>
/// One challenge the client is answering (RFC 8555 §8): what a <see cref="IAcmeChallengeResponder"/> must present for
/// it. Owned by the client, which disposes it after cleanup.
/// </summary>
internal sealed class AcmeChallengeResponse : IDisposable
{
    /// <summary>The path HTTP-01 answers on (RFC 8555 §8.3).</summary>
    public const string HttpPathPrefix = "/.well-known/acme-challenge/";

    internal AcmeChallengeResponse(string type, string domain, string token, string keyAuthorization, Uri challengeUrl, Uri authorizationUrl)
    {
        Type = type;
        Domain = domain;
        Token = token;
        KeyAuthorization = keyAuthorization;
        ChallengeUrl = challengeUrl;
        AuthorizationUrl = authorizationUrl;
        if (type == AcmeChallengeTypes.TlsAlpn01)
        {
            TlsAlpnCertificate = AcmeTlsAlpnCertificate.Create(domain, keyAuthorization);
        }
    }

    /// <summary><see cref="AcmeChallengeTypes.Http01"/> or <see cref="AcmeChallengeTypes.TlsAlpn01"/>.</summary>
    public string Type { get; }

    /// <summary>The host name being validated (lower-case ASCII, as the CA's authorization names it).</summary>
    public string Domain { get; }

    /// <summary>The CA's token (base64url, RFC 8555 §8.3: safe in a URL path and a file name).</summary>
    public string Token { get; }

    /// <summary><c>token "." base64url(JWK thumbprint)</c> (RFC 8555 §8.1): the HTTP-01 response body, exactly.</summary>
    public string KeyAuthorization { get; }

    /// <summary>For HTTP-01: <c>/.well-known/acme-challenge/{token}</c>.</summary>
    public string HttpPath => HttpPathPrefix + Token;

    /// <summary>For TLS-ALPN-01: the challenge certificate and the options to serve it with; null for other types.</summary>
    public AcmeTlsAlpnCertificate? TlsAlpnCertificate { get; }

    /// <summary>The challenge's URL at the CA (diagnostics).</summary>
    public Uri ChallengeUrl { get; }

    /// <summary>The authorization it belongs to (diagnostics).</summary>
    public Uri AuthorizationUrl { get; }

    public void Dispose() => TlsAlpnCertificate?.Dispose();

    public override string ToString() => $"{Type} for {Domain} (token {Token})";
}
