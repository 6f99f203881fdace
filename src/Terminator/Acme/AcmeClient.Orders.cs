using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Terminator.Acme.Wire;

namespace Terminator.Acme;

internal sealed partial class AcmeClient
{
    /// <summary><see cref="IssueAsync(IReadOnlyList{string}, AcmeKeyType, IAcmeChallengeResponder, string?, CancellationToken)"/>
    /// with the key type of <see cref="AcmeClientOptions.DefaultKeyType"/>.</summary>
    public Task<AcmeIssuedCertificate> IssueAsync(IReadOnlyList<string> names, IAcmeChallengeResponder responder, string? replaces,
        CancellationToken cancellationToken) => IssueAsync(names, _options.DefaultKeyType, responder, replaces, cancellationToken);

    /// <summary>
    /// Issues a certificate for <paramref name="names"/> (RFC 8555 §7.4), as one story:
    /// <list type="number">
    /// <item>newOrder for the names (type <c>dns</c>), with <c>replaces</c> = <paramref name="replaces"/> (an ARI
    /// certificate identifier, RFC 9773 §5) when renewing;</item>
    /// <item>for each pending authorization, the first challenge type of
    /// <see cref="AcmeClientOptions.ChallengePreference"/> the CA offers is presented through
    /// <paramref name="responder"/>; then each is answered (POST <c>{}</c>) and its authorization polled until valid
    /// (an invalid one throws the CA's error for it);</item>
    /// <item>the responder cleans every presented challenge up, whatever happened;</item>
    /// <item>once the order is ready, it is finalized with a CSR for a fresh key of <paramref name="keyType"/>, polled
    /// until valid, and the chain is downloaded (<c>application/pem-certificate-chain</c>).</item>
    /// </list>
    /// </summary>
    /// <param name="names">Host names; the first becomes the CSR's CN. Lower-cased and de-duplicated; no wildcards.</param>
    /// <exception cref="AcmeProblemException">The CA refused something or a challenge failed; the message says what.</exception>
    /// <exception cref="AcmeTransportException">The CA was unreachable or did not finish in time: back off and retry.</exception>
    /// <exception cref="AcmeProtocolException">The CA's answer was unusable.</exception>
    public async Task<AcmeIssuedCertificate> IssueAsync(IReadOnlyList<string> names, AcmeKeyType keyType, IAcmeChallengeResponder responder,
        string? replaces, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(responder);
        IReadOnlyList<string> hosts = AcmeHostNames.Normalize(names);
        Uri account = await EnsureAccountAsync(cancellationToken).ConfigureAwait(false);
        AcmeDirectory directory = await GetDirectoryAsync(cancellationToken).ConfigureAwait(false);

        // :: Step 1: the order.
        var identifiers = new List<AcmeIdentifierDocument>(hosts.Count);
        foreach (string host in hosts)
        {
            identifiers.Add(new AcmeIdentifierDocument { Type = "dns", Value = host });
        }

        byte[] orderRequest = JsonSerializer.SerializeToUtf8Bytes(new AcmeNewOrderRequest { Identifiers = identifiers, Replaces = replaces },
            AcmeJsonContext.Default.AcmeNewOrderRequest);
        AcmeResponse created = await PostAsync(directory.NewOrder, orderRequest, account, "newOrder", cancellationToken).ConfigureAwait(false);
        AcmeOrderDocument order = AcmeTransport.Read(created, AcmeJsonContext.Default.AcmeOrderDocument, "newOrder");
        Uri orderUrl = created.Location ?? throw new AcmeProtocolException($"newOrder at {created.RequestUri}: no Location header (the order URL)");
        string what = $"order {orderUrl} for {string.Join(", ", hosts)}";
        AcmeLog.OrderCreated(_log.Acme, orderUrl, hosts, order.Status);

        // :: Steps 2-3: authorizations (challenges presented, answered, validated, cleaned up).
        if (order.Status == "pending")
        {
            await AuthorizeAsync(order, account, responder, what, cancellationToken).ConfigureAwait(false);
            order = await PollOrderAsync(orderUrl, account, status => status != "pending", _options.OrderTimeout, what, cancellationToken).ConfigureAwait(false);
        }

        // :: Step 4: finalize with a fresh key, wait for issuance, download.
        using AsymmetricAlgorithm key = AcmeCertificateSigningRequest.CreateKey(keyType);
        if (order.Status == "ready")
        {
            Uri finalize = Url(order.Finalize, orderUrl, "finalize", what);
            string csr = System.Buffers.Text.Base64Url.EncodeToString(AcmeCertificateSigningRequest.Create(hosts, key));
            byte[] finalizeRequest = JsonSerializer.SerializeToUtf8Bytes(new AcmeFinalizeRequest { Csr = csr }, AcmeJsonContext.Default.AcmeFinalizeRequest);
            AcmeResponse finalized = await PostAsync(finalize, finalizeRequest, account, "finalize", cancellationToken).ConfigureAwait(false);
            order = AcmeTransport.Read(finalized, AcmeJsonContext.Default.AcmeOrderDocument, "finalize");
            if (order.Status == "processing")
            {
                order = await PollOrderAsync(orderUrl, account, status => status != "processing", _options.OrderTimeout, what, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (order.Status == "valid")
        {
            // Issued for another key already (a CA reusing a finished order): that certificate's key is not ours.
            throw new AcmeProtocolException($"{what} is already valid: the CA reused a finished order, whose certificate's key this client does not have");
        }

        if (order.Status != "valid")
        {
            throw OrderFailure(order, what);
        }

        Uri certificateUrl = Url(order.Certificate, orderUrl, "certificate", what);
        AcmeIssuedCertificate issued = await DownloadAsync(certificateUrl, account, key, keyType, hosts, cancellationToken).ConfigureAwait(false);
        AcmeLog.OrderIssued(_log.Acme, orderUrl, hosts, new DateTimeOffset(issued.Leaf.NotAfter.ToUniversalTime()));
        return issued;
    }

    private async Task<AcmeIssuedCertificate> DownloadAsync(Uri certificateUrl, Uri account, AsymmetricAlgorithm key, AcmeKeyType keyType,
        IReadOnlyList<string> hosts, CancellationToken cancellationToken)
    {
        // RFC 8555 §7.4.2: POST-as-GET, Accept: application/pem-certificate-chain (§9.1).
        AcmeResponse response = await PostAsync(certificateUrl, ReadOnlyMemory<byte>.Empty, account, "certificate", cancellationToken,
            accept: "application/pem-certificate-chain").ConfigureAwait(false);
        AcmeTransport.EnsureSuccess(response, "certificate");
        string chainPem = Encoding.UTF8.GetString(response.Body);
        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(chainPem); // the first certificate: RFC 8555 §9.1 puts the end-entity first
        }
        catch (CryptographicException ex)
        {
            throw new AcmeProtocolException($"certificate at {certificateUrl}: not a PEM certificate chain ({ex.Message})", ex);
        }

        using (leaf)
        {
            byte[] ours = key.ExportSubjectPublicKeyInfo();
            if (!leaf.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(ours))
            {
                throw new AcmeProtocolException($"certificate at {certificateUrl}: its public key is not the one this order's CSR carried");
            }

            foreach (string host in hosts)
            {
                if (!leaf.MatchesHostname(host, allowWildcards: false, allowCommonName: false))
                {
                    throw new AcmeProtocolException($"certificate at {certificateUrl}: does not name {host}");
                }
            }

            X509Certificate2 withKey = key switch
            {
                ECDsa ecdsa => leaf.CopyWithPrivateKey(ecdsa),
                RSA rsa => leaf.CopyWithPrivateKey(rsa),
                _ => throw new InvalidOperationException("unexpected key type"),
            };
            return new AcmeIssuedCertificate(chainPem.EndsWith('\n') ? chainPem : chainPem + "\n", key.ExportPkcs8PrivateKeyPem() + "\n",
                withKey, keyType, certificateUrl);
        }
    }

    /// <summary>POST-as-GET the order until <paramref name="done"/> accepts its status, or the timeout ends the wait.</summary>
    private async Task<AcmeOrderDocument> PollOrderAsync(Uri orderUrl, Uri account, Func<string?, bool> done, TimeSpan timeout, string what,
        CancellationToken cancellationToken)
    {
        long deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        while (true)
        {
            AcmeResponse response = await PostAsync(orderUrl, ReadOnlyMemory<byte>.Empty, account, "order", cancellationToken).ConfigureAwait(false);
            AcmeOrderDocument order = AcmeTransport.Read(response, AcmeJsonContext.Default.AcmeOrderDocument, "order");
            if (done(order.Status) || order.Status == "invalid")
            {
                return order;
            }

            await PauseAsync(response.RetryAfter, deadline, $"{what} still {order.Status} after {timeout.TotalSeconds:0.#}s", cancellationToken).ConfigureAwait(false);
        }
    }

    private static AcmeException OrderFailure(AcmeOrderDocument order, string what) => order.Error is { } error
        ? AcmeProblemException.FromDocument(error, status: null, retryAfter: null, context: $"{what} is {order.Status}")
        : new AcmeProtocolException($"{what} is {order.Status ?? "(no status)"}, expected valid");

    private static Uri Url(string? value, Uri baseUri, string member, string what) =>
        AcmeDirectory.AbsoluteOrNull(value, baseUri) ?? throw new AcmeProtocolException($"{what}: no valid '{member}' URL");

    /// <summary>
    /// Waits before the next poll: the CA's Retry-After when it sent one (RFC 8555 §7.4: "clients SHOULD follow it"),
    /// else <see cref="AcmeClientOptions.PollInterval"/>; never more than <see cref="AcmeClientOptions.MaxPollInterval"/>
    /// nor past the deadline, which ends the wait with an <see cref="AcmeTransportException"/>.
    /// </summary>
    private async Task PauseAsync(TimeSpan? retryAfter, long deadline, string timeoutMessage, CancellationToken cancellationToken)
    {
        TimeSpan remaining = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
        if (remaining <= TimeSpan.Zero)
        {
            throw new AcmeTransportException(timeoutMessage) { RetryAfter = retryAfter };
        }

        TimeSpan wait = retryAfter ?? _options.PollInterval;
        wait = wait > _options.MaxPollInterval ? _options.MaxPollInterval : wait;
        wait = wait > remaining ? remaining : wait;
        await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
    }
}
