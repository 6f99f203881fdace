using Terminator.Acme;
using Terminator.Certificates;
using Terminator.Domains;
using Terminator.Storage;
using Terminator.Tests.TestHelpers;
using Terminator.Tests.Upstream;

namespace Terminator.Tests.Acme;

/// <summary>The manager with order leases (a fleet): a domain whose lease another node holds is not ordered here, only
/// retried later; a lease lost mid-order stops the order; a lease taken is given back once the order is over.</summary>
public sealed class CertificateManagerLeaseTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task LeaseHeldElsewhere_NoOrderHere_RetriedAfterTheDelay_ThenIssued_AndTheLeaseGivenBack()
    {
        const string Name = "leased.manager.test";
        var clock = new ManualTimeProvider();
        using var orders = new ScriptedOrders(clock);
        await using var ca = new ScriptedAcmeServer(orders.Answer);
        await using var harness = new CertificateManagerHarness(clock);
        var leases = new ScriptedLeases { HeldElsewhere = true };
        await harness.Registry.AddOrGetAsync(Name);
        harness.StartManager(ca.DirectoryUri, leases: leases);

        Assert.True(await Eventually.TrueAsync(() => leases.Attempts == 1, s_wait), harness.LogText);
        Assert.True(await Consistently.TrueAsync(() => orders.OrdersCreated == 0 && leases.Attempts == 1, TimeSpan.FromMilliseconds(300)));
        Assert.Equal(ManagedDomainState.Pending, harness.Domain(Name).State);
        Assert.Equal(0, harness.Domain(Name).Attempts); // not a failure: someone else is on it

        // The other node is gone; the retry comes after the lease table's delay, not before.
        leases.HeldElsewhere = false;
        clock.Advance(leases.RetryDelay - TimeSpan.FromSeconds(1));
        Assert.True(await Consistently.TrueAsync(() => leases.Attempts == 1, TimeSpan.FromMilliseconds(300)), "retried before the delay");
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await Eventually.TrueAsync(() => harness.Domain(Name).State == ManagedDomainState.Valid, s_wait), harness.LogText);
        Assert.Equal(1, orders.OrdersCreated);
        Assert.True(await Eventually.TrueAsync(() => leases.Released == 1, s_wait));
    }

    [Fact]
    public async Task SharedSchedule_ADomainNotDueByItsRecord_IsNotOrderedUnderTheLease_UntilItsTime_UnlessAskedForHere()
    {
        const string Name = "backoff.manager.test";
        var clock = new ManualTimeProvider();
        using var orders = new ScriptedOrders(clock);
        await using var ca = new ScriptedAcmeServer(orders.Answer);
        await using var harness = new CertificateManagerHarness(clock);
        var leases = new ScriptedLeases();
        await harness.Registry.AddOrGetAsync(Name);
        // Another node's failure as the shared record holds it: retry in 5 minutes. A pending domain is scheduled now at
        // start-up, so only the record read under the lease keeps this node from asking the CA again.
        DateTimeOffset retry = clock.GetUtcNow().AddMinutes(5);
        await harness.Registry.UpdateAsync(Name, d => d with { LastError = "connection refused", Attempts = 1, NextRenewal = retry });
        harness.StartManager(ca.DirectoryUri, leases: leases);

        Assert.True(await Eventually.TrueAsync(() => leases.Attempts == 1 && leases.Released == 1, s_wait), harness.LogText);
        Assert.True(await Consistently.TrueAsync(() => orders.OrdersCreated == 0 && leases.Attempts == 1, TimeSpan.FromMilliseconds(300)));
        Assert.Contains("not due by the fleet's shared schedule", harness.LogText, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.True(await Eventually.TrueAsync(() => harness.Domain(Name).State == ManagedDomainState.Valid, s_wait), harness.LogText);
        Assert.Equal(1, orders.OrdersCreated);

        // A renewal asked for on this node is ordered now, whatever the shared schedule says (once the first order has
        // finished: one asked for while it runs is looked at a minute later, and this clock stands still).
        Assert.True(await Eventually.TrueAsync(() => harness.Manager!.OrdersInFlight == 0, s_wait));
        await harness.Manager!.RenewNowAsync(Name, CancellationToken.None);
        Assert.True(await Eventually.TrueAsync(() => orders.OrdersCreated == 2, s_wait), harness.LogText);
    }

    [Fact]
    public async Task LeaseLostMidOrder_TheOrderStops_NothingStored_AndItIsRetriedLater()
    {
        const string Name = "lost.manager.test";
        var clock = new ManualTimeProvider();
        using var orders = new ScriptedOrders(clock) { HoldAuthorizations = true };
        await using var ca = new ScriptedAcmeServer(orders.Answer);
        await using var harness = new CertificateManagerHarness(clock);
        var leases = new ScriptedLeases();
        await harness.Registry.AddOrGetAsync(Name);
        harness.StartManager(ca.DirectoryUri, leases: leases);

        Assert.True(await Eventually.TrueAsync(() => orders.OrdersCreated == 1, s_wait), harness.LogText);
        leases.Current!.Lose();
        Assert.True(await Eventually.TrueAsync(() => harness.Manager!.OrdersInFlight == 0 && leases.Released == 1, s_wait), harness.LogText);
        // Stopped as a lease matter, not as a failure of the domain (no attempt counted, no error recorded or logged).
        Assert.Empty(await harness.StoredIdsAsync());
        Assert.Equal(ManagedDomainState.Pending, harness.Domain(Name).State);
        Assert.Equal(0, harness.Domain(Name).Attempts);
        Assert.DoesNotContain("unexpected", harness.LogText, StringComparison.OrdinalIgnoreCase);

        // Retried once the lease table's delay has passed.
        clock.Advance(leases.RetryDelay);
        Assert.True(await Eventually.TrueAsync(() => leases.Attempts == 2, s_wait), harness.LogText);
    }

    [Fact]
    public async Task ACurrentCertificateAnotherNodeStored_IsTakenWithTheLease_NotOrderedAgain()
    {
        const string Name = "adopted.manager.test";
        var clock = new ManualTimeProvider();
        using var orders = new ScriptedOrders(clock);
        await using var ca = new ScriptedAcmeServer(orders.Answer);
        await using var harness = new CertificateManagerHarness(clock);
        // Another node ordered it while this one waited for the lease: the shared store serves it here already.
        (string chain, string key) = orders.IssueDirect(Name);
        StoredCertificateInfo stored = await harness.Store.PutAsync(CertificateLoader.LoadPem(chain, key, "other node"));
        await harness.ServeStoreAsync();
        await harness.Registry.AddOrGetAsync(Name);
        var leases = new ScriptedLeases();
        harness.StartManager(ca.DirectoryUri, leases: leases);

        Assert.True(await Eventually.TrueAsync(() => harness.Domain(Name).State == ManagedDomainState.Valid, s_wait), harness.LogText);
        Assert.Equal(0, orders.OrdersCreated);
        Assert.Equal([stored.Id], harness.Domain(Name).CertificateIds);
        Assert.True(harness.Domain(Name).NextRenewal > clock.GetUtcNow());
        Assert.True(await Eventually.TrueAsync(() => leases.Released == 1, s_wait));

        // A forced renewal of a certificate this node now records does go to the CA.
        await harness.Manager!.RenewNowAsync(Name, CancellationToken.None);
        Assert.True(await Eventually.TrueAsync(() => orders.OrdersCreated == 1, s_wait), harness.LogText);
    }

    private sealed class ScriptedLeases : IOrderLeases
    {
        private int _attempts;
        private int _released;

        public volatile bool HeldElsewhere;

        public int Attempts => Volatile.Read(ref _attempts);

        public int Released => Volatile.Read(ref _released);

        public ScriptedLease? Current { get; private set; }

        public TimeSpan RetryDelay => TimeSpan.FromMinutes(2);

        public ValueTask<IOrderLease?> TryTakeAsync(string domain, DateTimeOffset retry, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            if (HeldElsewhere)
            {
                return ValueTask.FromResult<IOrderLease?>(null);
            }

            Current = new ScriptedLease(() => Interlocked.Increment(ref _released));
            return ValueTask.FromResult<IOrderLease?>(Current);
        }
    }

    private sealed class ScriptedLease(Action released) : IOrderLease
    {
        private readonly CancellationTokenSource _lost = new();

        public CancellationToken Lost => _lost.Token;

        public string? LostReason { get; private set; }

        public void Lose()
        {
            LostReason = "taken over in the test";
            _lost.Cancel();
        }

        public ValueTask DisposeAsync()
        {
            released();
            _lost.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
