using System.Diagnostics;
using System.Net.Sockets;
using Npgsql;
using Terminator.Acme;

namespace Terminator.Fleet;

/// <summary>One held lease (<see cref="PostgresOrderLeases"/>): renewed every third of its duration until disposed,
/// then deleted. Lost when a renewal finds another holder, or when none succeeded before the lease would have expired
/// (the database unreachable: another node may take it over, so this one must stop).</summary>
internal sealed class PostgresOrderLease : IOrderLease
{
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(5);

    private readonly PostgresOrderLeases _leases;
    private readonly string _domain;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _done = new();
    private Task? _renewing;
    private string? _lostReason;

    private PostgresOrderLease(PostgresOrderLeases leases, string domain)
    {
        _leases = leases;
        _domain = domain;
    }

    public CancellationToken Lost => _lost.Token;

    public string? LostReason => Volatile.Read(ref _lostReason);

    internal static PostgresOrderLease Start(PostgresOrderLeases leases, string domain)
    {
        var lease = new PostgresOrderLease(leases, domain);
        lease._renewing = Task.Run(() => lease.RenewAsync(lease._done.Token));
        return lease;
    }

    public async ValueTask DisposeAsync()
    {
        await _done.CancelAsync().ConfigureAwait(false);
        if (_renewing is not null)
        {
            await _renewing.ConfigureAwait(false);
        }

        if (!_lost.IsCancellationRequested)
        {
            using var timeout = new CancellationTokenSource(ReleaseTimeout);
            try
            {
                await _leases.ReleaseAsync(_domain, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException or OperationCanceledException)
            {
                // Not given back: it expires on its own.
            }
        }

        _lost.Dispose();
        _done.Dispose();
    }

    private async Task RenewAsync(CancellationToken done)
    {
        long heldSince = Stopwatch.GetTimestamp();
        TimeSpan period = _leases.Duration / 3;
        while (true)
        {
            try
            {
                await Task.Delay(period, done).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(done);
                timeout.CancelAfter(period);
                if (!await _leases.RenewAsync(_domain, timeout.Token).ConfigureAwait(false))
                {
                    await LoseAsync("another node took it over").ConfigureAwait(false);
                    return;
                }

                heldSince = Stopwatch.GetTimestamp();
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException or OperationCanceledException)
            {
                // Measured on this node's clock from the last successful renewal: past the duration, another node may
                // already hold it.
                if (Stopwatch.GetElapsedTime(heldSince) >= _leases.Duration - period)
                {
                    await LoseAsync($"not renewable before it expired: {ex.Message}").ConfigureAwait(false);
                    return;
                }
            }
        }
    }

    private Task LoseAsync(string reason)
    {
        Volatile.Write(ref _lostReason, reason);
        FleetLog.LeaseLost(_leases.Log, _domain, reason, DateTimeOffset.UtcNow + _leases.RetryDelay);
        return _lost.CancelAsync();
    }
}
