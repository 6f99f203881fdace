using System.Net.Sockets;

namespace Terminator.Upstream;

// Slot accounting, the idle stack, the waiter queue and connecting: the parts that run under (or right next to) the pool lock.
internal sealed partial class UpstreamPool
{
    private UpstreamWaiter? _waitHead;
    private UpstreamWaiter? _waitTail;
    private readonly Stack<UpstreamWaiter> _freeWaiters = new();
    private readonly Stack<CancellationTokenSource> _freeConnectTimeouts = new();
    private int _roundRobin;
    private int _waiterCount;

    /// <summary>Picks the next address round-robin that is below its limit and counts a connection against it. Lock held.</summary>
    private UpstreamAddress? TryReserveSlot()
    {
        UpstreamAddress[] addresses = _addresses!;
        int count = addresses.Length;
        for (int i = 0; i < count; i++)
        {
            UpstreamAddress address = addresses[(int)((uint)(_roundRobin + i) % (uint)count)];
            if (address.Total < _options.MaxConnectionsPerAddress)
            {
                _roundRobin = (int)((uint)(_roundRobin + i + 1) % (uint)count);
                address.Total++;
                return address;
            }
        }

        return null;
    }

    private void PushIdle(UpstreamConnection connection)
    {
        if (_idleCount == _idle.Length)
        {
            Array.Resize(ref _idle, _idle.Length * 2); // grows to the high-water mark once, then steady
        }

        connection.State = UpstreamConnectionState.Idle;
        _idle[_idleCount] = connection;
        Volatile.Write(ref _idleCount, _idleCount + 1);
        _activeCount--;
    }

    private UpstreamConnection RemoveIdleAt(int index)
    {
        UpstreamConnection connection = _idle[index]!;
        Array.Copy(_idle, index + 1, _idle, index, _idleCount - index - 1);
        _idle[_idleCount - 1] = null;
        Volatile.Write(ref _idleCount, _idleCount - 1);
        connection.State = UpstreamConnectionState.Active;
        _activeCount++;
        return connection;
    }

    private void RemoveIdle(UpstreamConnection connection)
    {
        int index = Array.IndexOf(_idle, connection, 0, _idleCount);
        RemoveIdleAt(index);
    }

    private UpstreamWaiter EnqueueWaiter()
    {
        UpstreamWaiter waiter = _freeWaiters.Count > 0 ? _freeWaiters.Pop() : new UpstreamWaiter(this);
        waiter.Queued = true;
        Volatile.Write(ref _waiterCount, _waiterCount + 1);
        waiter.Previous = _waitTail;
        waiter.Next = null;
        if (_waitTail is null)
        {
            _waitHead = waiter;
        }
        else
        {
            _waitTail.Next = waiter;
        }

        _waitTail = waiter;
        return waiter;
    }

    private UpstreamWaiter? DequeueWaiter()
    {
        UpstreamWaiter? waiter = _waitHead;
        if (waiter is not null)
        {
            Unlink(waiter);
        }

        return waiter;
    }

    private void Unlink(UpstreamWaiter waiter)
    {
        if (waiter.Previous is null)
        {
            _waitHead = waiter.Next;
        }
        else
        {
            waiter.Previous.Next = waiter.Next;
        }

        if (waiter.Next is null)
        {
            _waitTail = waiter.Previous;
        }
        else
        {
            waiter.Next.Previous = waiter.Previous;
        }

        waiter.Next = waiter.Previous = null;
        waiter.Queued = false;
        Volatile.Write(ref _waiterCount, _waiterCount - 1);
    }

    /// <summary>Takes every waiter off the queue, returned as a list linked through <see cref="UpstreamWaiter.Next"/>. Lock held.</summary>
    private UpstreamWaiter? DetachAllWaiters()
    {
        UpstreamWaiter? head = _waitHead;
        for (UpstreamWaiter? w = head; w is not null; w = w.Next)
        {
            w.Queued = false;
            w.Previous = null;
        }

        _waitHead = _waitTail = null;
        Volatile.Write(ref _waiterCount, 0);
        return head;
    }

    /// <summary>Capacity changed in a way that may help any waiter (scavenging, new addresses): let all of them look again.</summary>
    private void WakeAllWaiters()
    {
        UpstreamWaiter? waiters;
        lock (_lock)
        {
            waiters = DetachAllWaiters();
        }

        for (UpstreamWaiter? w = waiters; w is not null;)
        {
            UpstreamWaiter? next = w.Next;
            w.Next = null;
            w.SetResult(null);
            w = next;
        }
    }

    internal void CancelWaiter(UpstreamWaiter waiter)
    {
        lock (_lock)
        {
            if (!waiter.Queued)
            {
                return; // already completed by a return; GetResult delivers that instead
            }

            Unlink(waiter);
        }

        waiter.SetException(new OperationCanceledException(waiter.CancellationToken));
    }

    internal void RecycleWaiter(UpstreamWaiter waiter)
    {
        lock (_lock)
        {
            if (_freeWaiters.Count < 64)
            {
                _freeWaiters.Push(waiter);
            }
        }
    }

    /// <summary>Connects to a reserved slot's address; on failure the slot is released before the exception escapes.</summary>
    private async ValueTask<UpstreamConnection> ConnectAsync(UpstreamAddress address, CancellationToken cancellationToken)
    {
        var socket = new Socket(address.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        CancellationTokenSource timeout = RentConnectTimeout();
        bool connected = false;
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            timeout.CancelAfter(_options.ConnectTimeout);
            using (cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeout))
            {
                await socket.ConnectAsync(address.EndPoint, timeout.Token);
            }

            connected = true;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamConnectException(
                $"Connect to upstream {address.EndPoint} timed out after {_options.ConnectTimeout.TotalMilliseconds:0} ms.",
                address.EndPoint, SocketError.TimedOut, timedOut: true, e);
        }
        catch (OperationCanceledException e)
        {
            throw new OperationCanceledException(e.Message, e, cancellationToken);
        }
        catch (SocketException e)
        {
            string what = e.SocketErrorCode == SocketError.ConnectionRefused ? "was refused" : $"failed ({e.SocketErrorCode})";
            throw new UpstreamConnectException($"Connect to upstream {address.EndPoint} {what}.", address.EndPoint, e.SocketErrorCode, timedOut: false, e);
        }
        finally
        {
            ReturnConnectTimeout(timeout);
            if (!connected)
            {
                socket.Dispose();
                ReleaseSlot(address);
                if (!cancellationToken.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _connectFailures); // the renter giving up is not a failed connect
                }
            }
        }

        var connection = new UpstreamConnection(this, address, socket) { RequestCount = 1 };
        lock (_lock)
        {
            if (!_disposed)
            {
                _open.Add(connection);
                _activeCount++;
                Interlocked.Increment(ref _connectionsOpened);
                return connection;
            }

            connection.State = UpstreamConnectionState.Closed;
            address.Total--;
        }

        connection.Close();
        throw new ObjectDisposedException(nameof(UpstreamPool));
    }

    private void ReleaseSlot(UpstreamAddress address)
    {
        UpstreamWaiter? waiter;
        lock (_lock)
        {
            address.Total--;
            waiter = DequeueWaiter();
        }

        waiter?.SetResult(null);
    }

    // Connect timeouts are pooled: a CancellationTokenSource that never fired can be reset and reused (TryReset).
    private CancellationTokenSource RentConnectTimeout()
    {
        lock (_lock)
        {
            if (_freeConnectTimeouts.Count > 0)
            {
                return _freeConnectTimeouts.Pop();
            }
        }

        return new CancellationTokenSource(Timeout.InfiniteTimeSpan, _timeProvider);
    }

    private void ReturnConnectTimeout(CancellationTokenSource timeout)
    {
        if (!timeout.TryReset())
        {
            timeout.Dispose();
            return;
        }

        lock (_lock)
        {
            if (_freeConnectTimeouts.Count < 64)
            {
                _freeConnectTimeouts.Push(timeout);
                return;
            }
        }

        timeout.Dispose();
    }
}
