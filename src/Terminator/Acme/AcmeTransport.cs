using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Terminator.Acme.Wire;

namespace Terminator.Acme;

/// <summary>
/// The HTTP side of ACME: GETs of the directory and renewal information, and JWS-signed POSTs (RFC 8555 §6.2) with the
/// nonce bookkeeping of §6.5 — every response's Replay-Nonce is kept for the next request, newNonce is asked only when
/// none is left, and a <c>badNonce</c> rejection is retried exactly once with the nonce that came with it (§6.5: "the
/// client SHOULD retry ... using the new nonce"). Failures become <see cref="AcmeException"/>s; cancellation by the
/// caller stays an <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed class AcmeTransport
{
    private static readonly MediaTypeHeaderValue s_joseJson = new("application/jose+json");
    private readonly HttpClient _http;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeProvider _time;
    private readonly AcmeNoncePool _nonces = new();

    public AcmeTransport(HttpClient http, TimeSpan requestTimeout, TimeProvider time)
    {
        _http = http;
        _requestTimeout = requestTimeout;
        _time = time;
    }

    /// <summary>Nonces held for the next requests (tests).</summary>
    internal int PooledNonces => _nonces.Count;

    /// <summary>An unauthenticated GET (the directory, RFC 8555 §7.1.1; renewal information, RFC 9773 §4.2).</summary>
    public async Task<AcmeResponse> GetAsync(Uri url, string what, CancellationToken cancellationToken)
    {
        AcmeResponse response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), what, cancellationToken).ConfigureAwait(false);
        _nonces.Add(response.ReplayNonce);
        return response;
    }

    /// <summary>
    /// A signed POST of <paramref name="payload"/> (empty: POST-as-GET, §6.3), by <paramref name="accountUrl"/>
    /// (<c>kid</c>) or, when null, by the embedded public key (<c>jwk</c>). Returns the response whatever its status,
    /// except that a second <c>badNonce</c> is thrown as an <see cref="AcmeProblemException"/>.
    /// </summary>
    public async Task<AcmeResponse> PostAsync(Uri url, ReadOnlyMemory<byte> payload, AcmeAccountKey key, Uri? accountUrl,
        Uri newNonceUrl, string what, CancellationToken cancellationToken, string? accept = null)
    {
        string? nonce = null;
        for (int attempt = 0; ; attempt++)
        {
            nonce ??= _nonces.TryTake(out string pooled) ? pooled : await NewNonceAsync(newNonceUrl, cancellationToken).ConfigureAwait(false);
            AcmeJwsDocument jws = AcmeJws.Sign(key, payload.Span, url, nonce, accountUrl);
            byte[] body = JsonSerializer.SerializeToUtf8Bytes(jws, AcmeJsonContext.Default.AcmeJwsDocument);
            AcmeResponse response = await SendAsync(() =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = s_joseJson; // RFC 8555 §6.2: MUST be application/jose+json
                if (accept is not null)
                {
                    request.Headers.Accept.ParseAdd(accept);
                }

                return request;
            }, what, cancellationToken).ConfigureAwait(false);

            if (attempt == 0 && response.Status == HttpStatusCode.BadRequest && IsBadNonce(response))
            {
                // Exactly one retry, with the nonce the rejection carried (a fresh one from newNonce if it carried none).
                nonce = response.ReplayNonce;
                continue;
            }

            _nonces.Add(response.ReplayNonce);
            return response;
        }
    }

    /// <summary>Throws the CA's problem (or a transport/protocol error) unless <paramref name="response"/> succeeded.</summary>
    public static void EnsureSuccess(AcmeResponse response, string what)
    {
        if (response.IsSuccess)
        {
            return;
        }

        if (TryReadProblem(response) is { } problem)
        {
            throw AcmeProblemException.FromDocument(problem, (int)response.Status, response.RetryAfter);
        }

        string message = $"{what} at {response.RequestUri}: HTTP {(int)response.Status} without a problem document";
        if ((int)response.Status >= 500)
        {
            throw new AcmeTransportException(message) { RetryAfter = response.RetryAfter };
        }

        throw new AcmeProtocolException(message) { RetryAfter = response.RetryAfter };
    }

    /// <summary>Deserialises a successful response's JSON body.</summary>
    public static T Read<T>(AcmeResponse response, JsonTypeInfo<T> type, string what)
        where T : class
    {
        EnsureSuccess(response, what);
        try
        {
            return JsonSerializer.Deserialize(response.Body, type)
                ?? throw new AcmeProtocolException($"{what} at {response.RequestUri}: empty JSON body");
        }
        catch (JsonException ex)
        {
            throw new AcmeProtocolException($"{what} at {response.RequestUri}: malformed JSON ({ex.Message})", ex);
        }
    }

    private static bool IsBadNonce(AcmeResponse response) => TryReadProblem(response)?.Type == AcmeProblemException.BadNonce;

    private static AcmeProblemDocument? TryReadProblem(AcmeResponse response)
    {
        // RFC 8555 §6.7 errors are application/problem+json; some servers label them plain JSON, so try any body.
        if (response.Body.Length == 0 || (!response.IsProblem && response.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true))
        {
            return null;
        }

        try
        {
            AcmeProblemDocument? problem = JsonSerializer.Deserialize(response.Body, AcmeJsonContext.Default.AcmeProblemDocument);
            return problem?.Type is null ? null : problem;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<string> NewNonceAsync(Uri newNonceUrl, CancellationToken cancellationToken)
    {
        // RFC 8555 §7.2: HEAD newNonce; the nonce is in Replay-Nonce.
        AcmeResponse response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, newNonceUrl), "newNonce", cancellationToken).ConfigureAwait(false);
        if (response.ReplayNonce is { Length: > 0 } nonce)
        {
            return nonce;
        }

        EnsureSuccess(response, "newNonce");
        throw new AcmeProtocolException($"newNonce at {newNonceUrl}: HTTP {(int)response.Status} without a Replay-Nonce header");
    }

    private async Task<AcmeResponse> SendAsync(Func<HttpRequestMessage> build, string what, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_requestTimeout);
        using HttpRequestMessage request = build();
        Uri url = request.RequestUri!;
        try
        {
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            byte[] body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            Uri? location = response.Headers.Location is { } l ? (l.IsAbsoluteUri ? l : new Uri(url, l)) : null;
            string? nonce = response.Headers.TryGetValues("Replay-Nonce", out IEnumerable<string>? values) ? values.FirstOrDefault() : null;
            return new AcmeResponse(response.StatusCode, body, response.Content.Headers.ContentType?.MediaType, location,
                RetryAfterOf(response.Headers.RetryAfter), nonce, url);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AcmeTransportException($"{what} at {url}: no answer within {_requestTimeout.TotalSeconds:0.#}s", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new AcmeTransportException($"{what} at {url}: {Describe(ex)}", ex);
        }
    }

    private TimeSpan? RetryAfterOf(RetryConditionHeaderValue? header)
    {
        // RFC 9110 §10.2.3: delay-seconds or an HTTP-date.
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            TimeSpan wait = date - _time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private static string Describe(HttpRequestException exception)
    {
        // The innermost message names the cause (connection refused, name not known, the TLS error).
        Exception inner = exception;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        // SocketsHttpHandler already folds the socket error into its own message ("Connection refused (host:port)"):
        // say it once.
        return ReferenceEquals(inner, exception) || exception.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? exception.Message
            : $"{exception.Message} ({inner.Message})";
    }
}
