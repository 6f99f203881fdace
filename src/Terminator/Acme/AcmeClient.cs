using System.Net;
using System.Text.Json;
using Terminator.Acme.Wire;
using Terminator.Diagnostics;

namespace Terminator.Acme;

/// <summary>
/// An ACME client (RFC 8555) for one CA and one account: registers or finds the account, issues certificates through
/// HTTP-01 or TLS-ALPN-01 challenges answered by an <see cref="IAcmeChallengeResponder"/>, and asks for renewal
/// information (RFC 9773). Thread-safe: concurrent <see cref="IssueAsync"/> calls share the account, the directory and
/// the nonce pool.
/// </summary>
/// <remarks>
/// <para>Creation does no network I/O (an unreachable CA at start-up must not stop the daemon); the directory is fetched
/// on first use and kept, and the account is registered or looked up on first use (<see cref="EnsureAccountAsync"/>).</para>
/// <para>Every wait is bounded: each HTTP exchange by <see cref="AcmeClientOptions.RequestTimeout"/>, challenge
/// validation by <see cref="AcmeClientOptions.ValidationTimeout"/>, order processing by
/// <see cref="AcmeClientOptions.OrderTimeout"/>, and everything by the caller's token. Failures are
/// <see cref="AcmeException"/>s; the caller's cancellation is an <see cref="OperationCanceledException"/>.</para>
/// </remarks>
internal sealed partial class AcmeClient : IAsyncDisposable
{
    private readonly AcmeClientOptions _options;
    private readonly HttpClient _http;
    private readonly AcmeServerTrust? _trust;
    private readonly AcmeTransport _transport;
    private readonly AcmeAccountKey _key;
    private readonly bool _ownsKey;
    private readonly IAcmeAccountStore? _store;
    private readonly TimeProvider _time;
    private readonly TerminatorLog _log;
    private readonly SemaphoreSlim _setupLock = new(1, 1);
    private AcmeDirectory? _directory;
    private Uri? _accountUrl;

    private AcmeClient(AcmeClientOptions options, HttpClient http, AcmeServerTrust? trust, AcmeAccountKey key, bool ownsKey,
        IAcmeAccountStore? store, TimeProvider time, TerminatorLog log)
    {
        _options = options;
        _http = http;
        _trust = trust;
        _key = key;
        _ownsKey = ownsKey;
        _store = store;
        _time = time;
        _log = log;
        _transport = new AcmeTransport(http, options.RequestTimeout, time);
    }

    /// <summary>The account key's JWK thumbprint (RFC 7638): identifies the account key in logs.</summary>
    public string AccountKeyThumbprint => _key.Thumbprint;

    /// <summary>The account URL, once <see cref="EnsureAccountAsync"/> has run.</summary>
    public Uri? AccountUrl => Volatile.Read(ref _accountUrl);

    /// <summary>The CA's directory URL.</summary>
    public Uri DirectoryUri => _options.DirectoryUri;

    /// <summary>
    /// A client whose account key is kept in <paramref name="accountStore"/> (loaded, or created and sealed there), and
    /// whose account URL is remembered there too.
    /// </summary>
    /// <exception cref="InvalidDataException">The stored key exists but cannot be opened (see its message).</exception>
    public static async Task<AcmeClient> CreateAsync(AcmeClientOptions options, IAcmeAccountStore accountStore,
        CancellationToken cancellationToken, TerminatorLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(accountStore);
        options.Validate();
        AcmeAccountKey key = await accountStore.LoadOrCreateKeyAsync(options.DirectoryUri, cancellationToken).ConfigureAwait(false);
        return Create(options, key, ownsKey: true, accountStore, handler: null, TimeProvider.System, log);
    }

    /// <summary>A client with an account key the caller owns (and disposes after the client); nothing is persisted.</summary>
    public static Task<AcmeClient> CreateAsync(AcmeClientOptions options, AcmeAccountKey accountKey, CancellationToken cancellationToken, TerminatorLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(accountKey);
        cancellationToken.ThrowIfCancellationRequested();
        options.Validate();
        return Task.FromResult(Create(options, accountKey, ownsKey: false, store: null, handler: null, TimeProvider.System, log));
    }

    /// <summary>The general form; <paramref name="handler"/> replaces the HTTP stack (tests).</summary>
    /// <remarks>Internal for testing.</remarks>
    internal static AcmeClient Create(AcmeClientOptions options, AcmeAccountKey key, bool ownsKey, IAcmeAccountStore? store,
        HttpMessageHandler? handler, TimeProvider time, TerminatorLog? log)
    {
        AcmeServerTrust? trust = options.AdditionalRootCertificatesPemPath is { } path ? AcmeServerTrust.FromPemFile(path) : null;
        handler ??= CreateHandler(options, trust);
        var http = new HttpClient(handler, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan, // AcmeTransport bounds each exchange with its own token
            MaxResponseContentBufferSize = 1024 * 1024, // JSON objects and a PEM chain: a few KB
        };
        // RFC 8555 §6.1: clients MUST send a User-Agent.
        http.DefaultRequestHeaders.UserAgent.ParseAdd("Terminator-ACME/1.0");
        return new AcmeClient(options, http, trust, key, ownsKey, store, time, log ?? TerminatorLog.Silent);
    }

    private static SocketsHttpHandler CreateHandler(AcmeClientOptions options, AcmeServerTrust? trust)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.RequestTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5), // follow the CA's DNS changes
            AllowAutoRedirect = false, // RFC 8555 has no redirects; a 3xx is an error to report, not to follow
            UseCookies = false,
            UseProxy = false,
        };
        if (trust is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = trust.Validate;
        }

        return handler;
    }

    /// <summary>The CA's directory (RFC 8555 §7.1.1), fetched once and kept.</summary>
    public async Task<AcmeDirectory> GetDirectoryAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _directory) is { } known)
        {
            return known;
        }

        AcmeResponse response = await _transport.GetAsync(_options.DirectoryUri, "directory", cancellationToken).ConfigureAwait(false);
        AcmeDirectoryDocument document = AcmeTransport.Read(response, AcmeJsonContext.Default.AcmeDirectoryDocument, "directory");
        AcmeDirectory directory = AcmeDirectory.From(document, _options.DirectoryUri);
        Volatile.Write(ref _directory, directory);
        return directory;
    }

    /// <summary>
    /// The account URL, registering the account on first use (RFC 8555 §7.3): with a remembered URL, the CA is asked
    /// for the existing account (<c>onlyReturnExisting</c>, §7.3.1); otherwise newAccount is sent with the contact,
    /// <c>termsOfServiceAgreed</c> and, when configured, External Account Binding (§7.3.4). A CA that already knows the
    /// key returns the same account (HTTP 200 and its Location) instead of a new one. The URL is remembered in the
    /// account store.
    /// </summary>
    public async Task<Uri> EnsureAccountAsync(CancellationToken cancellationToken)
    {
        if (AccountUrl is { } known)
        {
            return known;
        }

        await _setupLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (AccountUrl is { } raced)
            {
                return raced;
            }

            AcmeDirectory directory = await GetDirectoryAsync(cancellationToken).ConfigureAwait(false);
            Uri? remembered = _store is null ? null : await _store.ReadAccountUrlAsync(_options.DirectoryUri, cancellationToken).ConfigureAwait(false);
            Uri? account = remembered is null ? null : await FindExistingAccountAsync(directory, cancellationToken).ConfigureAwait(false);
            account ??= await RegisterAccountAsync(directory, cancellationToken).ConfigureAwait(false);
            if (_store is not null && account != remembered)
            {
                await _store.SaveAccountUrlAsync(_options.DirectoryUri, account, cancellationToken).ConfigureAwait(false);
            }

            Volatile.Write(ref _accountUrl, account);
            return account;
        }
        finally
        {
            _setupLock.Release();
        }
    }

    private async Task<Uri?> FindExistingAccountAsync(AcmeDirectory directory, CancellationToken cancellationToken)
    {
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(new AcmeNewAccountRequest { OnlyReturnExisting = true }, AcmeJsonContext.Default.AcmeNewAccountRequest);
        AcmeResponse response = await PostAsync(directory.NewAccount, payload, accountUrl: null, "newAccount (existing)", cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.BadRequest || response.Status == HttpStatusCode.NotFound)
        {
            try
            {
                AcmeTransport.EnsureSuccess(response, "newAccount (existing)");
            }
            catch (AcmeProblemException problem) when (problem.Type == AcmeProblemException.AccountDoesNotExist)
            {
                AcmeLog.AccountUnknown(_log.Acme, _options.DirectoryUri);
                return null;
            }
        }

        return AccountFrom(response, "newAccount (existing)");
    }

    private async Task<Uri> RegisterAccountAsync(AcmeDirectory directory, CancellationToken cancellationToken)
    {
        AcmeJwsDocument? binding = null;
        if (_options.ExternalAccountKeyId is { } keyId && _options.ExternalAccountHmacKey is { } encoded)
        {
            byte[] hmacKey = AcmeJws.DecodeHmacKey(encoded)
                ?? throw new InvalidOperationException("ExternalAccountHmacKey is not base64url"); // Validate() rejected it already
            try
            {
                binding = AcmeJws.ExternalAccountBinding(_key, keyId, hmacKey, directory.NewAccount);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(hmacKey);
            }
        }

        var request = new AcmeNewAccountRequest
        {
            Contact = _options.Email is { Length: > 0 } email ? ["mailto:" + email] : null,
            TermsOfServiceAgreed = _options.TermsOfServiceAgreed ? true : null,
            ExternalAccountBinding = binding,
        };
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(request, AcmeJsonContext.Default.AcmeNewAccountRequest);
        AcmeResponse response = await PostAsync(directory.NewAccount, payload, accountUrl: null, "newAccount", cancellationToken).ConfigureAwait(false);
        Uri account = AccountFrom(response, "newAccount");
        AcmeLog.Account(_log.Acme, account, _options.DirectoryUri, response.Status == HttpStatusCode.Created ? "registered" : "existing", _key.Thumbprint);
        return account;
    }

    private static Uri AccountFrom(AcmeResponse response, string what)
    {
        AcmeAccountDocument document = AcmeTransport.Read(response, AcmeJsonContext.Default.AcmeAccountDocument, what);
        if (response.Location is not { } location)
        {
            throw new AcmeProtocolException($"{what} at {response.RequestUri}: no Location header (the account URL)");
        }

        // RFC 8555 §7.1.6: only a valid account may act; deactivated and revoked are final.
        if (document.Status is not null && document.Status != "valid")
        {
            throw new AcmeProtocolException($"the account {location} is {document.Status}; a new account key is needed");
        }

        return location;
    }

    /// <summary>A signed POST with this client's key, by kid once the account is known.</summary>
    private Task<AcmeResponse> PostAsync(Uri url, ReadOnlyMemory<byte> payload, Uri? accountUrl, string what, CancellationToken cancellationToken, string? accept = null) =>
        _transport.PostAsync(url, payload, _key, accountUrl, Volatile.Read(ref _directory)!.NewNonce, what, cancellationToken, accept);

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        _trust?.Dispose();
        _setupLock.Dispose();
        if (_ownsKey)
        {
            _key.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
