using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Terminator.Upstream;

/// <summary>
/// Pool of keep-alive HTTP/1.1 connections to the tracking server. Idle connections are reused LIFO (the warmest socket first,
/// so surplus ones age out), new connections are spread round-robin over every resolved address, and each address is capped at
/// <see cref="UpstreamPoolOptions.MaxConnectionsPerAddress"/>; renters beyond the cap wait for a return. Rent + return of an idle
/// connection takes one short lock and allocates nothing.
/// </summary>
internal sealed partial class UpstreamPool : IAsyncDisposable
{
    private readonly UpstreamPoolOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _lock = new();
    private readonly HashSet<UpstreamConnection> _open = []; // every connected, not yet closed connection: for DisposeAsync
    private readonly ITimer _scavengeTimer;
    private readonly CancellationTokenSource _disposeCts = new();

    private UpstreamConnection?[] _idle = new UpstreamConnection?[16]; // LIFO stack, bottom = longest idle
    private int _idleCount;
    private int _activeCount;
    private long _connectionsOpened;
    private long _connectFailures;
    private long _connectionsReused;
    private bool _disposed;

    /// <summary>Creates a pool; nothing is resolved or connected until the first rent.</summary>
    /// <param name="options">Upstream location and limits.</param>
    /// <param name="timeProvider">Clock for idle expiry, DNS TTL and connect timeouts; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="resolver">Host name resolver; <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/> by default. IP literals never use it.</param>
    public UpstreamPool(UpstreamPoolOptions options, TimeProvider? timeProvider = null, Func<string, CancellationToken, ValueTask<IPAddress[]>>? resolver = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Host);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConnectionsPerAddress, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.IdleTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ConnectTimeout, TimeSpan.Zero);
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _resolver = resolver ?? DefaultResolver;
        InitializeAddresses();

        // A quarter of the idle timeout (at most 1 s) bounds how far past IdleTimeout a connection can linger.
        TimeSpan period = TimeSpan.FromTicks(Math.Clamp(options.IdleTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
        _scavengeTimer = _timeProvider.CreateTimer(static s => ((UpstreamPool)s!).ScavengeIdle(), this, period, period);
    }

    /// <summary>Connections opened over the pool's lifetime.</summary>
    public long ConnectionsOpened => Interlocked.Read(ref _connectionsOpened);

    /// <summary>Connection attempts that failed (refused, unreachable, timed out) over the pool's lifetime.</summary>
    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    /// <summary>Rents served by an already used connection (from the idle stack or handed over by a return).</summary>
    public long ConnectionsReused => Interlocked.Read(ref _connectionsReused);

    /// <summary>Renters waiting for a connection because every address is at its limit.</summary>
    public int WaiterCount => Volatile.Read(ref _waiterCount);

    /// <summary>Connections parked in the idle stack.</summary>
    public int IdleCount => Volatile.Read(ref _idleCount);

    /// <summary>Connections currently rented out.</summary>
    public int ActiveCount => Volatile.Read(ref _activeCount);

    /// <summary>
    /// Rents the most recently returned idle connection that is still usable (not closed by the peer, no unsolicited bytes), or
    /// opens a new one; when every address is at its limit, waits for a return. Throws <see cref="UpstreamConnectException"/>
    /// when a new connection cannot be made, <see cref="OperationCanceledException"/> when the token fires while waiting.
    /// </summary>
    public ValueTask<UpstreamConnection> RentAsync(CancellationToken cancellationToken)
    {
        if (AddressesReady() && TryPopIdle(out UpstreamConnection? connection))
        {
            return new ValueTask<UpstreamConnection>(connection);
        }

        return RentSlowAsync(allowIdle: true, cancellationToken);
    }

    /// <summary>Rents a freshly connected connection, never an idle one (for the single retry after a reused connection failed).</summary>
    public ValueTask<UpstreamConnection> RentNewAsync(CancellationToken cancellationToken) => RentSlowAsync(allowIdle: false, cancellationToken);

    /// <summary>
    /// Gives a connection back for reuse. The caller guarantees it is at a message boundary: the response was read completely and
    /// nothing is unflushed. A connection with unread input, to an address dropped from DNS, or returned after disposal is retired.
    /// </summary>
    public void Return(UpstreamConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        bool retire = connection.State == UpstreamConnectionState.Active && connection.HasBufferedInput();
        UpstreamWaiter? waiter = null;
        if (!retire)
        {
            connection.IdleSinceTimestamp = _timeProvider.GetTimestamp();
            lock (_lock)
            {
                if (connection.State != UpstreamConnectionState.Active)
                {
                    throw new InvalidOperationException("The connection is not rented out (returned twice or already retired).");
                }

                if (_disposed || connection.Address.Defunct)
                {
                    retire = true;
                }
                else if ((waiter = DequeueWaiter()) is null)
                {
                    PushIdle(connection);
                }
                // else: handed straight to the waiter, stays active.
            }
        }

        if (retire)
        {
            Retire(connection);
        }
        else
        {
            waiter?.SetResult(connection);
        }
    }

    /// <summary>Closes a connection and frees its slot (after errors, <c>Connection: close</c>, or a partially read response). Idempotent.</summary>
    public ValueTask RetireAsync(UpstreamConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Retire(connection);
        return ValueTask.CompletedTask;
    }

    private bool TryPopIdle([NotNullWhen(true)] out UpstreamConnection? connection)
    {
        while (true)
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_idleCount == 0)
                {
                    connection = null;
                    return false;
                }

                connection = _idle[--_idleCount]!;
                _idle[_idleCount] = null;
                connection.State = UpstreamConnectionState.Active;
                _activeCount++;
            }

            if (_timeProvider.GetElapsedTime(connection.IdleSinceTimestamp) < _options.IdleTimeout && connection.IsUsableWhenIdle())
            {
                connection.RequestCount++;
                Interlocked.Increment(ref _connectionsReused);
                return true;
            }

            Retire(connection);
        }
    }

    private async ValueTask<UpstreamConnection> RentSlowAsync(bool allowIdle, CancellationToken cancellationToken)
    {
        await EnsureAddressesAsync(cancellationToken);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (allowIdle && TryPopIdle(out UpstreamConnection? idle))
            {
                return idle;
            }

            UpstreamAddress? slot;
            UpstreamConnection? victim = null;
            UpstreamWaiter? waiter = null;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                slot = TryReserveSlot();
                if (slot is null && !allowIdle && _idleCount > 0)
                {
                    // A fresh connection is demanded but every address is full: sacrifice the oldest idle one and take its slot.
                    victim = RemoveIdleAt(0);
                    slot = victim.Address;
                }
                else if (slot is null)
                {
                    waiter = EnqueueWaiter();
                }
            }

            if (waiter is not null)
            {
                UpstreamConnection? handed = await waiter.WaitAsync(cancellationToken);
                if (handed is null)
                {
                    continue; // capacity changed: look again
                }

                if (allowIdle)
                {
                    handed.RequestCount++;
                    Interlocked.Increment(ref _connectionsReused);
                    return handed;
                }

                victim = handed;
                slot = handed.Address;
            }

            if (victim is not null)
            {
                CloseKeepingSlot(victim);
            }

            return await ConnectAsync(slot!, cancellationToken);
        }
    }

    /// <summary>Closes a connection and frees its slot, waking one waiter to use the capacity.</summary>
    private void Retire(UpstreamConnection connection)
    {
        UpstreamWaiter? waiter;
        lock (_lock)
        {
            switch (connection.State)
            {
                case UpstreamConnectionState.Closed:
                    return;
                case UpstreamConnectionState.Idle:
                    RemoveIdle(connection); // disposed by its former renter after Return: take it out of the stack
                    break;
            }

            _activeCount--;

            connection.State = UpstreamConnectionState.Closed;
            _open.Remove(connection);
            connection.Address.Total--;
            waiter = DequeueWaiter();
        }

        connection.Close();
        waiter?.SetResult(null);
    }

    /// <summary>Closes a connection whose slot is immediately reused for a new connection to the same address.</summary>
    private void CloseKeepingSlot(UpstreamConnection connection)
    {
        lock (_lock)
        {
            if (connection.State == UpstreamConnectionState.Active)
            {
                _activeCount--;
            }

            connection.State = UpstreamConnectionState.Closed;
            _open.Remove(connection);
        }

        connection.Close();
    }
}
