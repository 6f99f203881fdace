using Terminator.Acme.Wire;

namespace Terminator.Acme;

internal sealed partial class AcmeClient
{
    /// <summary>
    /// Gets every authorization of <paramref name="order"/> validated (RFC 8555 §7.5): present one challenge per pending
    /// authorization, then answer them all, then poll each until it is valid. All challenges are in place before the
    /// CA is told to look at any, so validations run in parallel at the CA. Cleanup runs for every presented
    /// challenge, also after a failure or cancellation.
    /// </summary>
    private async Task AuthorizeAsync(AcmeOrderDocument order, Uri account, IAcmeChallengeResponder responder, string what,
        CancellationToken cancellationToken)
    {
        var presented = new List<AcmeChallengeResponse>();
        try
        {
            foreach (string authorization in order.Authorizations ?? [])
            {
                Uri authorizationUrl = Url(authorization, _options.DirectoryUri, "authorizations", what);
                AcmeResponse response = await PostAsync(authorizationUrl, ReadOnlyMemory<byte>.Empty, account, "authorization", cancellationToken).ConfigureAwait(false);
                AcmeAuthorizationDocument document = AcmeTransport.Read(response, AcmeJsonContext.Default.AcmeAuthorizationDocument, "authorization");
                if (document.Status == "valid")
                {
                    continue; // validated earlier for this account (authorization reuse, RFC 8555 §7.1.4)
                }

                if (document.Status != "pending")
                {
                    throw AuthorizationFailure(document, authorizationUrl, challengeUrl: null);
                }

                AcmeChallengeResponse challenge = Choose(document, authorizationUrl);
                presented.Add(challenge);
                AcmeLog.PresentingChallenge(_log.Acme, challenge);
                await responder.PresentAsync(challenge, cancellationToken).ConfigureAwait(false);
            }

            // RFC 8555 §7.5.1: the client signals readiness by POSTing an empty object to the challenge URL.
            foreach (AcmeChallengeResponse challenge in presented)
            {
                AcmeResponse answered = await PostAsync(challenge.ChallengeUrl, "{}"u8.ToArray(), account, "challenge", cancellationToken).ConfigureAwait(false);
                AcmeTransport.EnsureSuccess(answered, "challenge");
            }

            long deadline = _time.GetTimestamp() + (long)(_options.ValidationTimeout.TotalSeconds * _time.TimestampFrequency);
            foreach (AcmeChallengeResponse challenge in presented)
            {
                await PollAuthorizationAsync(challenge, account, deadline, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await CleanupAsync(responder, presented).ConfigureAwait(false);
        }
    }

    /// <summary>The authorization's first offered challenge in the caller's order of preference.</summary>
    private AcmeChallengeResponse Choose(AcmeAuthorizationDocument authorization, Uri authorizationUrl)
    {
        string domain = authorization.Identifier?.Value
            ?? throw new AcmeProtocolException($"authorization {authorizationUrl}: no identifier");
        foreach (string type in _options.ChallengePreference)
        {
            foreach (AcmeChallengeDocument offered in authorization.Challenges ?? [])
            {
                if (offered.Type != type || offered.Token is not { Length: > 0 } token)
                {
                    continue;
                }

                Uri challengeUrl = Url(offered.Url, authorizationUrl, "challenge url", $"authorization {authorizationUrl}");
                // A token is base64url (RFC 8555 §8.3); anything else could escape the HTTP-01 path.
                if (!IsBase64Url(token))
                {
                    throw new AcmeProtocolException($"authorization {authorizationUrl}: {type} token is not base64url");
                }

                return new AcmeChallengeResponse(type, domain, token, _key.KeyAuthorization(token), challengeUrl, authorizationUrl);
            }
        }

        var offeredTypes = new List<string>();
        foreach (AcmeChallengeDocument offered in authorization.Challenges ?? [])
        {
            offeredTypes.Add(offered.Type ?? "?");
        }

        throw new AcmeProtocolException($"authorization for {domain}{(authorization.Wildcard ? " (wildcard)" : "")} offers " +
            $"{string.Join(", ", offeredTypes)}; none of the configured challenge types ({string.Join(", ", _options.ChallengePreference)})");
    }

    private async Task PollAuthorizationAsync(AcmeChallengeResponse challenge, Uri account, long deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            AcmeResponse response = await PostAsync(challenge.AuthorizationUrl, ReadOnlyMemory<byte>.Empty, account, "authorization", cancellationToken).ConfigureAwait(false);
            AcmeAuthorizationDocument document = AcmeTransport.Read(response, AcmeJsonContext.Default.AcmeAuthorizationDocument, "authorization");
            switch (document.Status)
            {
                case "valid":
                    AcmeLog.ChallengeValid(_log.Acme, challenge);
                    return;
                case "pending":
                    break;
                default:
                    throw AuthorizationFailure(document, challenge.AuthorizationUrl, challenge.ChallengeUrl);
            }

            await PauseAsync(response.RetryAfter, deadline,
                $"{challenge.Type} challenge for {challenge.Domain} still pending after {_options.ValidationTimeout.TotalSeconds:0.#}s", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>An authorization that is not going to be valid: the answered challenge's error when the CA gave one.</summary>
    private static AcmeException AuthorizationFailure(AcmeAuthorizationDocument authorization, Uri authorizationUrl, Uri? challengeUrl)
    {
        string domain = authorization.Identifier?.Value ?? authorizationUrl.ToString();
        AcmeChallengeDocument? failed = null;
        foreach (AcmeChallengeDocument challenge in authorization.Challenges ?? [])
        {
            bool answered = challengeUrl is not null && AcmeDirectory.AbsoluteOrNull(challenge.Url, authorizationUrl) == challengeUrl;
            if (challenge.Error is not null && (answered || failed is null))
            {
                failed = challenge;
            }
        }

        return failed?.Error is { } error
            ? AcmeProblemException.FromDocument(error, status: null, retryAfter: null,
                context: $"{failed.Type} challenge for {domain} failed (authorization {authorization.Status})")
            : new AcmeProtocolException($"authorization for {domain} is {authorization.Status ?? "(no status)"} ({authorizationUrl})");
    }

    /// <summary>Cleans every presented challenge up, each with its own timeout, even when the caller has cancelled.</summary>
    private async Task CleanupAsync(IAcmeChallengeResponder responder, List<AcmeChallengeResponse> presented)
    {
        foreach (AcmeChallengeResponse challenge in presented)
        {
            using var timeout = new CancellationTokenSource(_options.CleanupTimeout);
            try
            {
                await responder.CleanupAsync(challenge, timeout.Token).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // a failed cleanup must neither hide the order's own outcome nor skip the other challenges
            catch (Exception ex)
#pragma warning restore CA1031
            {
                AcmeLog.ChallengeCleanupFailed(_log.Acme, challenge, ex.Message);
            }
            finally
            {
                challenge.Dispose();
            }
        }
    }

    private static bool IsBase64Url(string token)
    {
        foreach (char c in token)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
