using System.Security.Cryptography.X509Certificates;
using System.Text;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Domains;
using Terminator.Storage;

namespace Terminator.Acme;

/// <summary>
/// Keeps every managed domain's certificate current, forever: first issue as soon as a domain is added, renewal when a
/// third of the lifetime is left (or inside the CA's ARI window), retries with backoff, all within a concurrency limit
/// and an orders-per-hour budget. Each order runs the preflight, asks the CA (challenges answered by this node's
/// <see cref="AcmeChallengeTable"/>), and puts the certificate into the encrypted store, whose watcher serves it within
/// milliseconds. The state of each domain (pending, valid, renewing, failed, last error) lives in the
/// <see cref="ManagedDomainRegistry"/>, which survives restarts.
/// </summary>
/// <remarks>
/// The schedule is a <see cref="RenewalQueue"/> (a heap): the loop sleeps until the earliest due domain, so a million
/// domains cost nothing between renewals. A domain is worked on by one order at a time; a restart in the middle of an
/// order starts it over (the order is not resumed: its challenge answers lived in memory), and a certificate is stored
/// only once it was issued, so there is never a duplicate and never a lost domain.
/// </remarks>
internal sealed partial class CertificateManager : IAsyncDisposable
{
    private readonly ManagedDomainRegistry _domains;
    private readonly AcmeClient _client;
    private readonly IAcmeChallengeResponder _challenges;
    private readonly IOrderLeases? _leases;
    private readonly AcmePreflight? _preflight;
    private readonly ICertificateStore _store;
    private readonly CertificateMap _certificates;
    private readonly AcmeOptions _options;
    private readonly TerminatorLog _log;
    private readonly TimeProvider _time;
    private readonly RenewalQueue _queue = new();
    private readonly OrderBudget _budget;
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _forced = new(StringComparer.Ordinal); // fleet: asked for now on this node, when (under _gate)
    private readonly string? _node;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _orders = [];
    private Task? _loop;

    /// <param name="challenges">This node's <see cref="AcmeChallengeTable"/>, or in a fleet the shared table every node
    /// answers from.</param>
    /// <param name="leases">In a fleet, the order leases that keep two nodes from ordering for one domain; null alone.</param>
    /// <param name="node">In a fleet, this node's name, recorded with each certificate it obtains.</param>
    public CertificateManager(ManagedDomainRegistry domains, AcmeClient client, IAcmeChallengeResponder challenges, AcmePreflight? preflight,
        ICertificateStore store, CertificateMap certificates, AcmeOptions options, TerminatorLog log, TimeProvider? time = null,
        IOrderLeases? leases = null, string? node = null)
    {
        _leases = leases;
        _node = node;
        _domains = domains;
        _client = client;
        _challenges = challenges;
        _preflight = preflight;
        _store = store;
        _certificates = certificates;
        _options = options;
        _log = log;
        _time = time ?? TimeProvider.System;
        _budget = new OrderBudget(options.OrdersPerHour, _time.GetUtcNow());
        _slots = new SemaphoreSlim(options.Concurrency, options.Concurrency);
        _domains.Changed += OnDomainChanged;
    }

    /// <summary>Orders completed since start (issued or failed), for tests and metrics.</summary>
    public long OrdersCompleted => Interlocked.Read(ref _ordersCompleted);

    private long _ordersCompleted;

    /// <summary>Orders running now (taken from the schedule, not finished yet).</summary>
    /// <remarks>Internal for testing.</remarks>
    internal int OrdersInFlight
    {
        get
        {
            lock (_gate)
            {
                return _inFlight.Count;
            }
        }
    }

    /// <summary>The most orders that ran at once since start: never more than <see cref="AcmeOptions.Concurrency"/>.</summary>
    /// <remarks>Internal for testing.</remarks>
    internal int PeakOrdersInFlight
    {
        get
        {
            lock (_gate)
            {
                return _peakOrdersInFlight;
            }
        }
    }

    private int _peakOrdersInFlight; // under _gate, with _inFlight

    /// <summary>Schedules every managed domain (those without a current certificate now, the others at their renewal
    /// time) and starts the loop. Domains found mid-order ("renewing") start over.</summary>
    public void Start()
    {
        DateTimeOffset now = _time.GetUtcNow();
        ManagedDomainCursor? cursor = null;
        while (true)
        {
            ManagedDomainPage page = _domains.List(null, cursor, 1000);
            foreach (ManagedDomain domain in page.Items)
            {
                _queue.Schedule(domain.Name, InitialDue(domain, now));
            }

            if (page.Next is null)
            {
                break;
            }

            cursor = page.Next;
        }

        AcmeLog.Scheduled(_log.Acme, _queue.Count, _queue.NextDue is { } due ? $"at {due:u}" : "none", _options.Directory);
        // On a task of its own: with more domains due than slots, dispatching must not run on the caller's thread.
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    /// <summary>The admin API added a domain or changed its key types: work on it now.</summary>
    public ValueTask RequestAsync(string name, CancellationToken cancellationToken)
    {
        Force(name);
        Schedule(name, _time.GetUtcNow());
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// <c>DELETE /v1/domains/{name}?purge=true</c>: removes the store entries that serve exactly this name (the map knows
    /// which entry files they came from, so no store-wide listing), after the domain stopped being managed. A certificate
    /// that also names other domains (an operator's multi-name certificate) stays: it still serves them.
    /// </summary>
    public async ValueTask PurgeAsync(string name, CancellationToken cancellationToken)
    {
        foreach (CertificateEntry entry in _certificates.CandidatesOf(name))
        {
            if (entry.Names.Count == 1 && _store.TryGetId(entry.Source, out string? id))
            {
                await _store.RemoveAsync(id, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Renews <paramref name="name"/> now, whatever its schedule (<c>PUT /v1/domains/{name}?renew=true</c>).</summary>
    public ValueTask RenewNowAsync(string name, CancellationToken cancellationToken)
    {
        Force(name);
        Schedule(name, _time.GetUtcNow());
        return ValueTask.CompletedTask;
    }

    private void Schedule(string name, DateTimeOffset due)
    {
        _queue.Schedule(name, due);
        _wake.Release();
    }

    /// <summary>A fleet: this node was asked to order now (a PUT here), whatever the shared schedule says.</summary>
    private void Force(string name)
    {
        if (_leases is not null)
        {
            lock (_gate)
            {
                _forced.TryAdd(name, _time.GetUtcNow());
            }
        }
    }

    private void OnDomainChanged(ManagedDomainChange change)
    {
        if (change.Kind == ManagedDomainChangeKind.Removed)
        {
            _queue.Remove(change.Name);
            return;
        }

        // A fleet: the schedule is shared, so a change any node made (a domain added elsewhere, another node's success
        // or failure and its next date) moves this node's schedule too. An order running here schedules itself when done.
        if (_leases is not null && _domains.TryGet(change.Name, out ManagedDomain? domain))
        {
            lock (_gate)
            {
                if (_inFlight.Contains(change.Name))
                {
                    return;
                }
            }

            Schedule(change.Name, FleetDue(domain, _time.GetUtcNow()));
        }
    }

    /// <summary>When a fleet node looks at a domain next, from the shared record: its next attempt, or now when none is
    /// set; a domain another node is renewing is looked at again after a lease period (its result reschedules it sooner).</summary>
    private DateTimeOffset FleetDue(ManagedDomain domain, DateTimeOffset now) =>
        domain.State == ManagedDomainState.Renewing ? now + _leases!.RetryDelay
        : domain.NextRenewal ?? now;

    private static DateTimeOffset InitialDue(ManagedDomain domain, DateTimeOffset now) =>
        domain.State == ManagedDomainState.Valid && domain.NextRenewal is { } renewal ? renewal
        : domain.State == ManagedDomainState.Failed && domain.NextRenewal is { } retry ? retry
        : now;

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await DispatchDueAsync(stopping).ConfigureAwait(false);
                DateTimeOffset now = _time.GetUtcNow();
                TimeSpan wait = _queue.NextDue is { } due ? due - now : TimeSpan.FromHours(1);
                if (wait > TimeSpan.Zero)
                {
                    // Sleep until the earliest due domain, or until a new one is scheduled.
                    using var woken = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    Task sleep = Task.Delay(wait < TimeSpan.FromHours(1) ? wait : TimeSpan.FromHours(1), _time, woken.Token);
                    Task wake = _wake.WaitAsync(woken.Token);
                    await Task.WhenAny(sleep, wake).ConfigureAwait(false);
                    await woken.CancelAsync().ConfigureAwait(false);
                    await Task.WhenAll(sleep, wake).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
                }
                else if (_slots.CurrentCount == 0)
                {
                    // Due work and every slot busy: only a completion (or a new request) can change that, and both
                    // release _wake, a completion after its slot. Looping without waiting would spin a core meanwhile.
                    await _wake.WaitAsync(stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Starts orders for due domains while a concurrency slot is free.</summary>
    private async Task DispatchDueAsync(CancellationToken stopping)
    {
        while (true)
        {
            if (!await _slots.WaitAsync(0, stopping).ConfigureAwait(false))
            {
                // All slots busy: the next completion wakes the loop.
                return;
            }

            if (!_queue.TryTakeDue(_time.GetUtcNow(), out string name))
            {
                _slots.Release();
                return;
            }

            lock (_gate)
            {
                if (!_inFlight.Add(name))
                {
                    // Already being worked on (a PUT arrived meanwhile): look again once that order is done.
                    _slots.Release();
                    _queue.Schedule(name, _time.GetUtcNow().AddMinutes(1));
                    continue;
                }

                _peakOrdersInFlight = Math.Max(_peakOrdersInFlight, _inFlight.Count);
                _orders.RemoveAll(static t => t.IsCompleted);
                _orders.Add(RunOrderAsync(name, stopping));
            }
        }
    }

    private async Task RunOrderAsync(string name, CancellationToken stopping)
    {
        try
        {
            await Task.Yield();
            await ProcessAsync(name, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: the domain is scheduled again at the next start.
        }
        catch (Exception ex)
        {
            // A bug of ours: keep the domain and the loop alive, retry later, and say so.
            AcmeLog.UnexpectedError(_log.Acme, name, ex);
            _queue.Schedule(name, _time.GetUtcNow().AddHours(1));
        }
        finally
        {
            lock (_gate)
            {
                _inFlight.Remove(name);
            }

            Interlocked.Increment(ref _ordersCompleted);
            _slots.Release();
            _wake.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _domains.Changed -= OnDomainChanged;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        Task[] orders;
        lock (_gate)
        {
            orders = [.. _orders];
        }

        await Task.WhenAll(orders).ConfigureAwait(false);
        _stopping.Dispose();
        _slots.Dispose();
        _wake.Dispose();
    }
}
