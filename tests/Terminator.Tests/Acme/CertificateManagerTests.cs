using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Terminator.Acme;
using Terminator.Admin;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Domains;
using Terminator.Storage;
using Terminator.Tests.TestHelpers;
using Terminator.Tests.Upstream;
using Xunit.Abstractions;

namespace Terminator.Tests.Acme;

/// <summary>
/// The certificate manager end to end over real loopback sockets: against a scripted CA (<see cref="ScriptedOrders"/> on a
/// <see cref="ScriptedAcmeServer"/>) for failures a real CA will not produce on demand, and against Pebble for volume.
/// Most tests drive the manager's schedule with a <see cref="ManualTimeProvider"/>: a retry happens when the test moves
/// the clock past it, never by itself, so "not before" is checked by moving the clock to just before.
/// </summary>
public sealed class CertificateManagerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromMinutes(5); // RenewalPolicy: 5 min, plus up to 20% jitter

    [Fact]
    public async Task ChallengeInvalid_FailedWithTheCasDetail_NothingStored_AndTheAdminApiShowsTheSameError()
    {
        const string Name = "fail.manager.test";
        const string Detail = "Invalid response from http://fail.manager.test/.well-known/acme-challenge/tok-1-0: 404";
        var clock = new ManualTimeProvider();
        using var orders = new ScriptedOrders(clock) { ChallengeProblem = ("urn:ietf:params:acme:error:unauthorized", Detail) };
        await using var ca = new ScriptedAcmeServer(orders.Answer);
        await using var harness = new CertificateManagerHarness(clock);
        CertificateManager manager = harness.StartManager(ca.DirectoryUri);
        string token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Assert.Null(AdminToken.TryParse(token, "test", out AdminToken? parsed));
        // Wired as Daemon/AutomaticHttps wires it.
        await using AdminServer admin = AdminServer.Start(new AdminServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), Token = parsed },
            harness.Registry, new AdminCallbacks { DomainRequested = manager.RequestAsync, PurgeCertificates = manager.PurgeAsync, RenewRequested = manager.RenewNowAsync },
            harness.Log);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{admin.EndPoint}/"), Timeout = s_wait };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using (HttpResponseMessage put = await http.PutAsync($"/v1/domains/{Name}", null))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        Assert.True(await Eventually.TrueAsync(() => harness.Domain(Name).Attempts > 0, s_wait), harness.LogText);

        ManagedDomain failed = harness.Domain(Name);
        Assert.Equal(ManagedDomainState.Failed, failed.State);
        Assert.Equal(1, failed.Attempts);
        Assert.Equal($"http-01 challenge for {Name} failed (authorization invalid): urn:ietf:params:acme:error:unauthorized: {Detail}", failed.LastError);
        Assert.InRange(failed.NextRenewal!.Value - clock.GetUtcNow(), s_firstBackoff, s_firstBackoff * 1.2);
        Assert.Empty(await harness.StoredIdsAsync());
        Assert.Equal(0, DirectoryCertificateStore.CountEntryFiles(harness.Store.Directory));
        Assert.Empty(failed.CertificateIds);
        Assert.Equal(0, harness.Challenges.Http01Count); // the answer was withdrawn
        Assert.Equal(1, orders.OrdersCreated);

        using HttpResponseMessage get = await http.GetAsync($"/v1/domains/{Name}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await get.Content.ReadAsStringAsync());
        Assert.Equal("failed", json.RootElement.GetProperty("state").GetString());
        Assert.Equal(failed.LastError, json.RootElement.GetProperty("lastError").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("attempts").GetInt32());
        Assert.Equal(failed.NextRenewal.Value.UtcDateTime, json.RootElement.GetProperty("nextRenewal").GetDateTime());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("notAfter").ValueKind);
    }

    [Fact]
    public async Task NewOrderRateLimited_TheNextAttemptWaitsForTheRetryAfter()
    {
        const string Name = "limited.manager.test";
        var clock = new ManualTimeProvider();
        using var orders = new ScriptedOrders(clock);
        int newOrders = 0;
        await using var ca = new ScriptedAcmeServer(request => request.Path == "/new-order" && Interlocked.Increment(ref newOrders) == 1
            ? ScriptedAcmeResponse.Problem(429, "urn:ietf:params:acme:error:rateLimited", "too many new orders recently").WithHeader("Retry-After", "7200")
            : orders.Answer(request));
        await using var harness = new CertificateManagerHarness(clock);
        await harness.Registry.AddOrGetAsync(Name);
        harness.StartManager(ca.DirectoryUri);

        Assert.True(await Eventually.TrueAsync(() => harness.Domain(Name).Attempts > 0, s_wait), harness.LogText);

        ManagedDomain limited = harness.Domain(Name);
        Assert.Equal(ManagedDomainState.Failed, limited.State);
        Assert.Equal("urn:ietf:params:acme:error:rateLimited: too many new orders recently (retry after 7200s)", limited.LastError);
        // The CA's two hours, not the first backoff's five minutes.
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromHours(2), limited.NextRenewal);

        clock.Advance(TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1));
        // A retry that came due would go out within milliseconds of the manager's timer firing in Advance; 300 ms covers
        // that many times over on a loaded machine.
        Assert.True(await Consistently.TrueAsync(() => Volatile.Read(ref newOrders) == 1, TimeSpan.FromMilliseconds(300)), "retried before the Retry-After");

        // Past it: the retry goes out and succeeds. (Each poll moves the clock on a minute, so no timer the manager set
        // while the clock moved can be missed.)
        Assert.True(await Eventually.TrueAsync(() =>
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            return harness.Domain(Name).State == ManagedDomainState.Valid;
        }, s_wait), harness.LogText);
        Assert.Equal(2, Volatile.Read(ref newOrders));
        Assert.Equal(0, harness.Domain(Name).Attempts);
    }

    [Fact]
    public async Task DirectoryUnreachable_FailsReadably_KeepsServing_AndRetriesOnceTheCaIsBack()
    {
        const string Fresh = "fresh.manager.test", Served = "served.manager.test";
        var clock = new ManualTimeProvider();
        using var orders = new ScriptedOrders(clock);
        await using var harness = new CertificateManagerHarness(clock);
        // A domain issued earlier: its certificate is stored, served, and due for renewal now.
        (string chain, string key) = orders.IssueDirect(Served);
        SeededCertificate previous = await SeedAsync(harness, chain, key);
        await harness.Registry.AddOrGetAsync(Served);
        await harness.Registry.UpdateAsync(Served, d => d with
        {
            State = ManagedDomainState.Valid,
            NotAfter = previous.NotAfter,
            NextRenewal = clock.GetUtcNow(),
            CertificateIds = [previous.Id],
        });
        await harness.Registry.AddOrGetAsync(Fresh);
        await harness.ServeStoreAsync();
        int closedPort = LoopbackPorts.Reserve(); // nothing listens there (yet)
        var directory = new Uri($"http://127.0.0.1:{closedPort}/dir");

        harness.StartManager(directory);

        Assert.True(await Eventually.TrueAsync(() => harness.Domain(Fresh).Attempts > 0 && harness.Domain(Served).Attempts > 0, s_wait), harness.LogText);
        DateTimeOffset now = clock.GetUtcNow();
        ManagedDomain fresh = harness.Domain(Fresh);
        Assert.Equal(ManagedDomainState.Failed, fresh.State);
        Assert.StartsWith($"directory at {directory}: ", fresh.LastError, StringComparison.Ordinal);
        Assert.Contains("refused", fresh.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.InRange(fresh.NextRenewal!.Value - now, s_firstBackoff, s_firstBackoff * 1.2);
        // The served domain: its renewal failed (FailAsync reports a failure at the CA as failed, certificate or not) and it
        // keeps its certificate: the record still names it and the node still serves it.
        ManagedDomain served = harness.Domain(Served);
        Assert.Equal(ManagedDomainState.Failed, served.State);
        Assert.Equal(fresh.LastError, served.LastError);
        Assert.Equal(previous.NotAfter, served.NotAfter);
        Assert.Equal([previous.Id], served.CertificateIds);
        Assert.Equal([previous.Id], await harness.StoredIdsAsync());
        Assert.True(harness.Map.TryGet("served.manager.test"u8, out CertificateEntry? serving));
        Assert.True(harness.Store.TryGetId(serving.Source, out string? servingId));
        Assert.Equal(previous.Id, servingId);

        // The CA comes up where the manager looks for it; once the backoff has passed, both are retried, and succeed.
        await using var ca = new ScriptedAcmeServer(orders.Answer, port: closedPort);
        Assert.True(await Eventually.TrueAsync(() =>
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            return harness.Domain(Fresh).State == ManagedDomainState.Valid && harness.Domain(Served).State == ManagedDomainState.Valid;
        }, s_wait), harness.LogText);
        Assert.Equal(2, orders.Issued);
        ManagedDomain renewed = harness.Domain(Served);
        Assert.Equal([previous.Id], renewed.CertificateIds); // the renewal replaced its predecessor in place
        Assert.Null(renewed.LastError);
        Assert.Equal(0, renewed.Attempts);
        Assert.Equal(2, (await harness.StoredIdsAsync()).Count);
    }

    [Fact]
    public async Task PreflightFails_TheCaIsNeverAsked_AndTheDomainWaitsForDns()
    {
        const string Waiting = "nocname.manager.test", Ready = "ready.manager.test";
        var clock = new ManualTimeProvider();
        using var orders = new ScriptedOrders(clock);
        await using var ca = new ScriptedAcmeServer(orders.Answer);
        await using var harness = new CertificateManagerHarness(clock);
        await using var upstream = new RecordingUpstream();
        // This node: its HTTP listener answers the preflight's probe from the manager's challenge table.
        await using var node = TestTerminator.Start(upstream.EndPoint, new CertificateMap(), challenges: harness.Challenges);
        using var preflight = new AcmePreflight(harness.Challenges, (name, _) => name == Ready
            ? Task.FromResult(new[] { IPAddress.Loopback })
            : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)), node.Http.Port);
        await harness.Registry.AddOrGetAsync(Waiting);
        CertificateManager manager = harness.StartManager(ca.DirectoryUri, CertificateManagerHarness.Options(ca.DirectoryUri) with { Preflight = true }, preflight);

        Assert.True(await Eventually.TrueAsync(() => harness.Domain(Waiting).Attempts > 0, s_wait), harness.LogText);

        ManagedDomain waiting = harness.Domain(Waiting);
        Assert.Equal(ManagedDomainState.Pending, waiting.State);
        Assert.Equal($"waiting for DNS: {Waiting} does not resolve (HostNotFound)", waiting.LastError);
        Assert.Equal(1, waiting.Attempts);
        Assert.InRange(waiting.NextRenewal!.Value - clock.GetUtcNow(), s_firstBackoff, s_firstBackoff * 1.2);
        Assert.Empty(ca.Requests); // not even the directory

        // A name that does reach this node goes to the CA through the same manager, and still nothing for the other.
        await harness.Registry.AddOrGetAsync(Ready);
        await manager.RequestAsync(Ready, CancellationToken.None);
        Assert.True(await Eventually.TrueAsync(() => harness.Domain(Ready).State == ManagedDomainState.Valid, s_wait), harness.LogText);
        Assert.Equal([[Ready]], orders.OrderedNames);
        Assert.DoesNotContain(ca.Requests, r => r.Payload.Contains(Waiting, StringComparison.Ordinal));
        Assert.Equal(ManagedDomainState.Pending, harness.Domain(Waiting).State);
    }

    [PebbleFact]
    public async Task Pebble_AThousandDomainsAtOnce_AllValid_OneStoreEntryEach_NeverMoreThanFourOrdersInFlight()
    {
        const int Count = 1000, Concurrency = 4;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await using var harness = new CertificateManagerHarness(TimeProvider.System);
        await using var upstream = new RecordingUpstream();
        // The node answers Pebble's validation (HTTP-01 on its HTTP listener) from the manager's challenge table.
        await using var node = TestTerminator.Start(upstream.EndPoint, harness.Map, challenges: harness.Challenges);
        await using PebbleProcess pebble = await PebbleProcess.StartAsync(node.Http.Port, node.Https.Port);
        string[] names = [.. Enumerable.Range(1, Count).Select(i => $"d{i:D4}.bulk.test")];
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = timeout.Token },
            async (name, ct) => await harness.Registry.AddOrGetAsync(name, cancellationToken: ct));
        Assert.Equal(Count, harness.Registry.Count);

        var clock = Stopwatch.StartNew();
        CertificateManager manager = harness.StartManager(pebble.DirectoryUri,
            CertificateManagerHarness.Options(pebble.DirectoryUri, Concurrency, ordersPerHour: 100_000),
            client: o => o with { AdditionalRootCertificatesPemPath = pebble.WfeCaPemPath, ChallengePreference = [AcmeChallengeTypes.Http01] });
        bool done = await Eventually.TrueAsync(() => harness.Registry.CountIn(ManagedDomainState.Valid) == Count, TimeSpan.FromMinutes(4));
        TimeSpan elapsed = clock.Elapsed;

        output.WriteLine($"{harness.Registry.CountIn(ManagedDomainState.Valid)} of {Count} domains issued in {elapsed.TotalSeconds:0.0} s (concurrency {Concurrency}); " +
            $"peak orders in flight {manager.PeakOrdersInFlight}");
        Assert.True(done, $"{harness.Registry.CountIn(ManagedDomainState.Valid)} valid, {harness.Registry.CountIn(ManagedDomainState.Failed)} failed (" +
            string.Join("; ", harness.Registry.List(ManagedDomainState.Failed, null, 5).Items.Select(d => $"{d.Name}: {d.LastError}")) + "); " +
            string.Join("\n", harness.LogText.Split('\n').Where(l => l.Contains(" warn ", StringComparison.Ordinal) || l.Contains(" error ", StringComparison.Ordinal)).Take(20)));
        Assert.Equal(Concurrency, manager.PeakOrdersInFlight); // reached, and never exceeded
        List<string> stored = await harness.StoredIdsAsync();
        Assert.Equal(Count, stored.Count);
        foreach (string name in names)
        {
            ManagedDomain domain = harness.Domain(name);
            Assert.Equal(0, domain.Attempts);
            Assert.Single(domain.CertificateIds);
            Assert.StartsWith(name + ".ecdsa.", domain.CertificateIds[0], StringComparison.Ordinal);
        }

        Assert.Equal(Count, harness.Registry.List(ManagedDomainState.Valid, null, Count).Items.Select(d => d.CertificateIds[0]).Intersect(stored).Count());
        Assert.Equal(0, harness.Challenges.Http01Count);
        // Pebble's certificates, validated by Pebble against this node: one of them chains to Pebble's root.
        StoredCertificateInfo sample = (await harness.Store.ListAsync()).Entries[Count / 2];
        var sent = new X509Certificate2Collection();
        sent.ImportFromPem(sample.CertificateChainPem);
        using X509Certificate2 root = X509Certificate2.CreateFromPem(pebble.RootPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(sent);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(sent[0]), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public async Task RestartWhileTheCaHoldsTheOrder_TheDomainCompletesAfterwards_WithOneStoreEntry()
    {
        const string Name = "restart.manager.test";
        var clock = new ManualTimeProvider();
        using var orders = new ScriptedOrders(clock) { HoldAuthorizations = true };
        await using var ca = new ScriptedAcmeServer(orders.Answer);
        await using var harness = new CertificateManagerHarness(clock);
        await harness.Registry.AddOrGetAsync(Name);
        harness.StartManager(ca.DirectoryUri);
        // The challenge was answered and the client is polling an authorization the CA keeps pending.
        Assert.True(await Eventually.TrueAsync(() => ca.Requests.Count(r => r.Path == "/authz/1-0") >= 3, s_wait), harness.LogText);

        await harness.StopManagerAsync().WaitAsync(TimeSpan.FromSeconds(10));

        ManagedDomain interrupted = harness.Domain(Name);
        Assert.Equal(ManagedDomainState.Pending, interrupted.State);
        Assert.Equal(0, interrupted.Attempts); // a stop is not a failure
        Assert.Null(interrupted.LastError);
        Assert.Equal(0, harness.Challenges.Http01Count); // the challenge answer was withdrawn on the way out
        Assert.Empty(await harness.StoredIdsAsync());

        await harness.ReopenRegistryAsync();
        orders.HoldAuthorizations = false;
        harness.StartManager(ca.DirectoryUri);

        Assert.True(await Eventually.TrueAsync(() => harness.Domain(Name).State == ManagedDomainState.Valid, s_wait), harness.LogText);
        ManagedDomain done = harness.Domain(Name);
        Assert.Equal(1, harness.Registry.Count);
        string id = Assert.Single(done.CertificateIds);
        Assert.Equal([id], await harness.StoredIdsAsync());
        Assert.Equal(2, orders.OrdersCreated); // the first order was abandoned, not resumed
        Assert.Equal(1, orders.Issued);
    }

    [Fact]
    public async Task PurgeAfterRemoval_DeletesTheDomainsOwnEntries_AndNoOtherEntry()
    {
        const string Gone = "gone.manager.test", Kept = "kept.manager.test", Neighbour = "neighbour.manager.test";
        var clock = new ManualTimeProvider();
        using var orders = new ScriptedOrders(clock);
        await using var ca = new ScriptedAcmeServer(orders.Answer);
        await using var harness = new CertificateManagerHarness(clock);
        await harness.Registry.AddOrGetAsync(Gone, ManagedKeyTypes.Both);
        await harness.Registry.AddOrGetAsync(Kept);
        CertificateManager manager = harness.StartManager(ca.DirectoryUri);
        Assert.True(await Eventually.TrueAsync(() => harness.Registry.CountIn(ManagedDomainState.Valid) == 2, s_wait), harness.LogText);
        string[] goneIds = [.. harness.Domain(Gone).CertificateIds];
        string keptId = Assert.Single(harness.Domain(Kept).CertificateIds);
        Assert.Equal(2, goneIds.Length); // ECDSA and RSA
        // An operator's certificate that also names the removed domain, for a neighbour too ('terminator certs add').
        (string chain, string key) = orders.IssueDirect(Neighbour, Gone);
        SeededCertificate shared = await SeedAsync(harness, chain, key);
        await harness.ServeStoreAsync();
        Assert.Equal(3, harness.Map.CandidatesOf(Gone).Length);

        await harness.Registry.RemoveAsync(Gone);
        await manager.PurgeAsync(Gone, CancellationToken.None);

        string[] left = [.. new[] { keptId, shared.Id }.Order(StringComparer.Ordinal)];
        Assert.Equal(left, await harness.StoredIdsAsync());
        foreach (string id in goneIds)
        {
            Assert.False(File.Exists(harness.Store.PathFor(id)));
        }
    }

    [Fact]
    public async Task MoreDueThanSlots_StartReturnsAtOnce_AndTheLoopWaitsForACompletionInsteadOfSpinning()
    {
        var clock = new CountingClock();
        using var orders = new ScriptedOrders { HoldAuthorizations = true };
        await using var ca = new ScriptedAcmeServer(orders.Answer);
        await using var harness = new CertificateManagerHarness(clock);
        await harness.Registry.AddOrGetAsync("first.manager.test");
        await harness.Registry.AddOrGetAsync("second.manager.test");

        // Start schedules and returns; the orders run on the manager's own tasks, whatever is due.
        CertificateManager manager = await Task.Run(() => harness.StartManager(ca.DirectoryUri, CertificateManagerHarness.Options(ca.DirectoryUri, concurrency: 1)))
            .WaitAsync(TimeSpan.FromSeconds(5));

        // One order holds the only slot (its authorization stays pending); the other domain is due and waits for it.
        Assert.True(await Eventually.TrueAsync(() => ca.Requests.Count(r => r.Path == "/authz/1-0") >= 3, s_wait), harness.LogText);
        Assert.Equal(1, manager.OrdersInFlight);

        long before = clock.Reads;
        // Only the held order's completion can free the slot, and it is held for the whole window: a loop that waits reads
        // the clock a few times in it, one that spins until a slot is free, millions of times.
        bool quiet = await Consistently.TrueAsync(() => clock.Reads - before < 1000, TimeSpan.FromMilliseconds(500));
        Assert.True(quiet, $"{clock.Reads - before} clock reads in 500 ms while waiting for a slot");

        orders.HoldAuthorizations = false;
        Assert.True(await Eventually.TrueAsync(() => harness.Registry.CountIn(ManagedDomainState.Valid) == 2, s_wait), harness.LogText);
    }

    [Fact]
    public async Task LeafWithoutAuthorityKeyIdentifier_IsRecordedValid_AndRenewedByItsLifetime()
    {
        const string Name = "noaki.manager.test";
        var clock = new ManualTimeProvider();
        using var orders = new ScriptedOrders(clock) { OmitAuthorityKeyIdentifier = true };
        await using var ca = new ScriptedAcmeServer(orders.Answer);
        await using var harness = new CertificateManagerHarness(clock);
        await harness.Registry.AddOrGetAsync(Name);
        harness.StartManager(ca.DirectoryUri);

        Assert.True(await Eventually.TrueAsync(() => harness.Domain(Name).State == ManagedDomainState.Valid, s_wait), harness.LogText);

        ManagedDomain valid = harness.Domain(Name);
        DateTimeOffset issued = clock.GetUtcNow().AddMinutes(-5);
        // RenewalPolicy.RenewAt: two thirds into the 90 days, less up to 5% of them.
        Assert.InRange(valid.NextRenewal!.Value, issued + TimeSpan.FromDays(90 * (2.0 / 3.0 - 0.05)) - TimeSpan.FromSeconds(1), issued + TimeSpan.FromDays(60));
        Assert.Equal([Assert.Single(valid.CertificateIds)], await harness.StoredIdsAsync());
        Assert.DoesNotContain("unexpected error", harness.LogText, StringComparison.Ordinal);
    }

    private sealed record SeededCertificate(string Id, DateTimeOffset NotAfter);

    /// <summary>Stores a certificate as <c>terminator certs add</c> would, not through the manager.</summary>
    private static async Task<SeededCertificate> SeedAsync(CertificateManagerHarness harness, string chainPem, string keyPem)
    {
        CertificateEntry entry = CertificateLoader.LoadPem(chainPem, keyPem, "operator");
        StoredCertificateInfo info = await harness.Store.PutAsync(entry);
        return new(info.Id, info.NotAfter);
    }

    /// <summary>The system clock, counting how often the time is read.</summary>
    private sealed class CountingClock : TimeProvider
    {
        private long _reads;

        public long Reads => Interlocked.Read(ref _reads);

        public override DateTimeOffset GetUtcNow()
        {
            Interlocked.Increment(ref _reads);
            return System.GetUtcNow();
        }

        public override long GetTimestamp() => System.GetTimestamp();

        public override long TimestampFrequency => System.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            System.CreateTimer(callback, state, dueTime, period);
    }
}
