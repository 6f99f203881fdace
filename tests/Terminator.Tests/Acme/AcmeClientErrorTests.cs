using System.Net;
using System.Net.Sockets;
using Terminator.Acme;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Acme;

/// <summary>
/// Error paths against a scripted fake CA (<see cref="ScriptedAcmeServer"/>): nonce rejection, rate limits, failed
/// challenges, compound problems, an unreachable or silent CA, and cancellation.
/// </summary>
public sealed class AcmeClientErrorTests
{
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromSeconds(30);
    private const string BadNonce = "urn:ietf:params:acme:error:badNonce";

    [Fact]
    public async Task Post_BadNonceOnce_IsRetriedOnceWithTheNonceFromTheRejection()
    {
        int accountPosts = 0;
        await using var server = new ScriptedAcmeServer(request =>
            request.Path == "/new-account" && Interlocked.Increment(ref accountPosts) == 1
                ? ScriptedAcmeResponse.Problem(400, BadNonce, "JWS has an invalid anti-replay nonce").WithHeader("Replay-Nonce", "fresh-nonce")
                : null);
        await using AcmeClient client = await CreateAsync(server);
        using var timeout = new CancellationTokenSource(s_testTimeout);

        Uri account = await client.EnsureAccountAsync(timeout.Token);

        Assert.Equal(server.Url("acct/1"), account.AbsoluteUri);
        ScriptedAcmeRequest[] posts = [.. server.Requests.Where(r => r.Path == "/new-account")];
        Assert.Equal(2, posts.Length);
        Assert.Equal("fresh-nonce", posts[1].Nonce);
        Assert.NotEqual(posts[0].Nonce, posts[1].Nonce);
    }

    [Fact]
    public async Task Post_BadNonceTwice_SurfacesTheProblemAfterExactlyOneRetry()
    {
        await using var server = new ScriptedAcmeServer(request =>
            request.Path == "/new-account" ? ScriptedAcmeResponse.Problem(400, BadNonce, "JWS has an invalid anti-replay nonce") : null);
        await using AcmeClient client = await CreateAsync(server);
        using var timeout = new CancellationTokenSource(s_testTimeout);

        AcmeProblemException problem = await Assert.ThrowsAsync<AcmeProblemException>(() => client.EnsureAccountAsync(timeout.Token));

        Assert.Equal(BadNonce, problem.Type);
        Assert.Equal(400, problem.Status);
        Assert.Equal(2, server.Requests.Count(r => r.Path == "/new-account"));
    }

    [Fact]
    public async Task NewOrder_RateLimited_SurfacesTheDetailAndRetryAfter()
    {
        await using var server = new ScriptedAcmeServer(request => request.Path == "/new-order"
            ? ScriptedAcmeResponse.Problem(429, "urn:ietf:params:acme:error:rateLimited", "too many certificates already issued for: acme.test")
                .WithHeader("Retry-After", "3600")
            : null);
        await using AcmeClient client = await CreateAsync(server);
        using var timeout = new CancellationTokenSource(s_testTimeout);

        AcmeProblemException problem = await Assert.ThrowsAsync<AcmeProblemException>(() =>
            client.IssueAsync(["a.acme.test"], AcmeKeyType.EcdsaP256, new RecordingResponder(), null, timeout.Token));

        Assert.True(problem.Is("rateLimited"));
        Assert.Equal(429, problem.Status);
        Assert.Equal(TimeSpan.FromHours(1), problem.RetryAfter);
        Assert.Equal("urn:ietf:params:acme:error:rateLimited: too many certificates already issued for: acme.test (retry after 3600s)", problem.Message);
        // The order went out signed by the account (kid), not the key.
        ScriptedAcmeRequest order = server.Requests.Single(r => r.Path == "/new-order");
        Assert.Equal(server.Url("acct/1"), order.Kid);
        Assert.False(order.HasJwk);
        Assert.Equal("""{"identifiers":[{"type":"dns","value":"a.acme.test"}]}""", order.Payload);
    }

    [Fact]
    public async Task IssueAsync_ChallengeGoesInvalid_SurfacesTheCasProblemAndCleansUp()
    {
        const string Detail = "Invalid response from http://a.acme.test/.well-known/acme-challenge/tok-1: 404";
        bool answered = false;
        await using var server = new ScriptedAcmeServer(request => request.Path switch
        {
            "/new-order" => Order(request, "pending"),
            "/authz/1" when Volatile.Read(ref answered) => new ScriptedAcmeResponse(200, Authorization(
                "invalid", $$""","error":{"type":"urn:ietf:params:acme:error:unauthorized","detail":"{{Detail}}","status":403}""")),
            "/authz/1" => new ScriptedAcmeResponse(200, Authorization("pending", "")),
            "/chall/1" => Answer(),
            _ => null,
        });
        await using AcmeClient client = await CreateAsync(server);
        var responder = new RecordingResponder();
        using var timeout = new CancellationTokenSource(s_testTimeout);

        AcmeProblemException problem = await Assert.ThrowsAsync<AcmeProblemException>(() =>
            client.IssueAsync(["a.acme.test"], AcmeKeyType.EcdsaP256, responder, null, timeout.Token));

        Assert.Equal("urn:ietf:params:acme:error:unauthorized", problem.Type);
        Assert.Equal(Detail, problem.Detail);
        Assert.Equal($"http-01 challenge for a.acme.test failed (authorization invalid): urn:ietf:params:acme:error:unauthorized: {Detail}", problem.Message);
        Assert.Equal(["present http-01 a.acme.test", "cleanup http-01 a.acme.test"], responder.Log);
        Assert.Equal("{}", server.Requests.Single(r => r.Path == "/chall/1").Payload);
        string keyAuthorization = responder.Presented.Single().KeyAuthorization;
        Assert.Equal("tok-1." + client.AccountKeyThumbprint, keyAuthorization);

        ScriptedAcmeResponse Answer()
        {
            Volatile.Write(ref answered, true);
            return new ScriptedAcmeResponse(200, """{"type":"http-01","status":"processing","token":"tok-1"}""");
        }
    }

    [Fact]
    public async Task NewOrder_CompoundProblem_NamesEachSubproblemsIdentifier()
    {
        await using var server = new ScriptedAcmeServer(request => request.Path == "/new-order"
            ? ScriptedAcmeResponse.Problem(400, "urn:ietf:params:acme:error:rejectedIdentifier", "Some identifiers were rejected",
                ""","subproblems":[{"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"forbidden by policy","identifier":{"type":"dns","value":"bad.acme.test"}}]""")
            : null);
        await using AcmeClient client = await CreateAsync(server);
        using var timeout = new CancellationTokenSource(s_testTimeout);

        AcmeProblemException problem = await Assert.ThrowsAsync<AcmeProblemException>(() =>
            client.IssueAsync(["good.acme.test", "bad.acme.test"], AcmeKeyType.EcdsaP256, new RecordingResponder(), null, timeout.Token));

        AcmeSubproblem sub = Assert.Single(problem.Subproblems);
        Assert.Equal("bad.acme.test", sub.Identifier);
        Assert.EndsWith("; bad.acme.test: urn:ietf:params:acme:error:rejectedIdentifier: forbidden by policy", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureAccountAsync_DirectoryUnreachable_IsATransportFailure()
    {
        int closedPort = LoopbackPorts.Reserve(); // nothing listens there
        var options = new AcmeClientOptions { DirectoryUri = new Uri($"http://127.0.0.1:{closedPort}/dir") };
        using var key = AcmeAccountKey.Generate();
        await using AcmeClient client = await AcmeClient.CreateAsync(options, key, CancellationToken.None); // no I/O at creation
        using var timeout = new CancellationTokenSource(s_testTimeout);

        AcmeTransportException failure = await Assert.ThrowsAsync<AcmeTransportException>(() => client.EnsureAccountAsync(timeout.Token));

        Assert.StartsWith($"directory at http://127.0.0.1:{closedPort}/dir: ", failure.Message, StringComparison.Ordinal);
        Assert.Contains("refused", failure.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task GetDirectoryAsync_CaNeverAnswers_IsATransportFailureAfterTheRequestTimeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts (the kernel completes the handshake) and never answers
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var options = new AcmeClientOptions { DirectoryUri = new Uri($"http://127.0.0.1:{port}/dir"), RequestTimeout = TimeSpan.FromMilliseconds(300) };
        using var key = AcmeAccountKey.Generate();
        await using AcmeClient client = await AcmeClient.CreateAsync(options, key, CancellationToken.None);
        using var timeout = new CancellationTokenSource(s_testTimeout);

        AcmeTransportException failure = await Assert.ThrowsAsync<AcmeTransportException>(() => client.GetDirectoryAsync(timeout.Token));

        Assert.Contains("no answer within 0.3s", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssueAsync_CallerCancelsDuringValidation_ThrowsCanceledAndStillCleansUp()
    {
        await using var server = new ScriptedAcmeServer(request => request.Path switch
        {
            "/new-order" => Order(request, "pending"),
            "/authz/1" => new ScriptedAcmeResponse(200, Authorization("pending", "")),
            "/chall/1" => new ScriptedAcmeResponse(200, """{"type":"http-01","status":"processing","token":"tok-1"}"""),
            _ => null,
        });
        await using AcmeClient client = await CreateAsync(server);
        using var cancel = new CancellationTokenSource(s_testTimeout);
        var responder = new RecordingResponder { OnPresent = _ => cancel.CancelAfter(TimeSpan.FromMilliseconds(200)) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            client.IssueAsync(["a.acme.test"], AcmeKeyType.EcdsaP256, responder, null, cancel.Token));

        Assert.Equal(["present http-01 a.acme.test", "cleanup http-01 a.acme.test"], responder.Log);
    }

    [Fact]
    public async Task IssueAsync_AuthorizationStaysPending_IsATransportFailureAfterTheValidationTimeout()
    {
        await using var server = new ScriptedAcmeServer(request => request.Path switch
        {
            "/new-order" => Order(request, "pending"),
            "/authz/1" => new ScriptedAcmeResponse(200, Authorization("pending", "")).WithHeader("Retry-After", "1"),
            "/chall/1" => new ScriptedAcmeResponse(200, """{"type":"http-01","status":"processing","token":"tok-1"}"""),
            _ => null,
        });
        await using AcmeClient client = await AcmeClient.CreateAsync(new AcmeClientOptions
        {
            DirectoryUri = server.DirectoryUri,
            ValidationTimeout = TimeSpan.FromMilliseconds(300),
            MaxPollInterval = TimeSpan.FromMilliseconds(100), // caps the CA's Retry-After: 1
        }, AcmeAccountKey.Generate(), CancellationToken.None);
        var responder = new RecordingResponder();
        using var timeout = new CancellationTokenSource(s_testTimeout);

        AcmeTransportException failure = await Assert.ThrowsAsync<AcmeTransportException>(() =>
            client.IssueAsync(["a.acme.test"], AcmeKeyType.EcdsaP256, responder, null, timeout.Token));

        Assert.Equal("http-01 challenge for a.acme.test still pending after 0.3s", failure.Message);
        Assert.True(server.Requests.Count(r => r.Path == "/authz/1") >= 3, "polled more than once within the timeout");
        Assert.Equal(["present http-01 a.acme.test", "cleanup http-01 a.acme.test"], responder.Log);
    }

    [Fact]
    public async Task IssueAsync_Replaces_IsSentInTheNewOrder()
    {
        await using var server = new ScriptedAcmeServer(request => request.Path == "/new-order"
            ? ScriptedAcmeResponse.Problem(403, "urn:ietf:params:acme:error:alreadyReplaced", "already replaced")
            : null);
        await using AcmeClient client = await CreateAsync(server);
        using var timeout = new CancellationTokenSource(s_testTimeout);

        await Assert.ThrowsAsync<AcmeProblemException>(() =>
            client.IssueAsync(["A.acme.test."], AcmeKeyType.EcdsaP256, new RecordingResponder(), "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", timeout.Token));

        Assert.Equal("""{"identifiers":[{"type":"dns","value":"a.acme.test"}],"replaces":"aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"}""",
            server.Requests.Single(r => r.Path == "/new-order").Payload);
    }

    [Fact]
    public async Task EnsureAccountAsync_SendsContactTermsAndTheKey()
    {
        await using var server = new ScriptedAcmeServer(_ => null);
        await using AcmeClient client = await CreateAsync(server);
        using var timeout = new CancellationTokenSource(s_testTimeout);

        await client.EnsureAccountAsync(timeout.Token);
        await client.EnsureAccountAsync(timeout.Token); // remembered: no second request

        ScriptedAcmeRequest request = server.Requests.Single(r => r.Path == "/new-account");
        Assert.True(request.HasJwk);
        Assert.Null(request.Kid);
        Assert.Equal(server.Url("new-account"), request.Url);
        Assert.Equal("""{"contact":["mailto:ops@example.com"],"termsOfServiceAgreed":true}""", request.Payload);
        // The directory's response carried a Replay-Nonce ("n1"), so no HEAD newNonce round trip was needed.
        Assert.Equal("n1", request.Nonce);
        Assert.DoesNotContain(server.Requests, r => r.Path == "/nonce");
    }

    [Fact]
    public async Task Post_NoPooledNonce_AsksNewNonceWithHead()
    {
        await using var server = new ScriptedAcmeServer(_ => null, noncesOnGet: false);
        await using AcmeClient client = await CreateAsync(server);
        using var timeout = new CancellationTokenSource(s_testTimeout);

        await client.EnsureAccountAsync(timeout.Token);

        Assert.Equal(["GET /dir", "HEAD /nonce", "POST /new-account"], server.Requests.Select(r => $"{r.Method} {r.Path}"));
    }

    [Fact]
    public async Task GetDirectoryAsync_ReadsTheMeta()
    {
        await using var server = new ScriptedAcmeServer(_ => null, renewalInfo: true);
        await using AcmeClient client = await CreateAsync(server);
        using var timeout = new CancellationTokenSource(s_testTimeout);

        AcmeDirectory directory = await client.GetDirectoryAsync(timeout.Token);

        Assert.Equal(new Uri("https://ca.test/tos"), directory.TermsOfService);
        Assert.Equal(["ca.test"], directory.CaaIdentities);
        Assert.Equal(server.Url("renewal-info"), directory.RenewalInfo?.AbsoluteUri);
    }

    private static ScriptedAcmeResponse Order(ScriptedAcmeRequest request, string status) =>
        new(201, $$"""
            {"status":"{{status}}","identifiers":[{"type":"dns","value":"a.acme.test"}],
             "authorizations":["/authz/1"],"finalize":"/order/1/finalize"}
            """) { Headers = { ["Location"] = "/order/1" } };

    private static string Authorization(string status, string challengeError) => $$"""
        {"status":"{{status}}","identifier":{"type":"dns","value":"a.acme.test"},
         "challenges":[{"type":"dns-01","url":"/chall/0","status":"pending","token":"tok-0"},
                       {"type":"http-01","url":"/chall/1","status":"{{(challengeError.Length > 0 ? "invalid" : "pending")}}","token":"tok-1"{{challengeError}}}]}
        """;

    private static Task<AcmeClient> CreateAsync(ScriptedAcmeServer server) => AcmeClient.CreateAsync(new AcmeClientOptions
    {
        DirectoryUri = server.DirectoryUri,
        Email = "ops@example.com",
        PollInterval = TimeSpan.FromMilliseconds(50),
        ValidationTimeout = TimeSpan.FromSeconds(10),
    }, AcmeAccountKey.Generate(), CancellationToken.None);
}
