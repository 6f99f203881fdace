namespace Terminator.Upstream;

// Idle scavenging (timer-driven) and shutdown.
internal sealed partial class UpstreamPool
{
    /// <summary>Closes idle connections that outlived <see cref="UpstreamPoolOptions.IdleTimeout"/> or whose address left DNS.</summary>
    internal void ScavengeIdle()
    {
        List<UpstreamConnection>? expired = null;
        lock (_lock)
        {
            int kept = 0;
            for (int i = 0; i < _idleCount; i++)
            {
                UpstreamConnection connection = _idle[i]!;
                if (connection.Address.Defunct || _timeProvider.GetElapsedTime(connection.IdleSinceTimestamp) >= _options.IdleTimeout)
                {
                    (expired ??= []).Add(connection);
                }
                else
                {
                    _idle[kept++] = connection;
                }
            }

            Array.Clear(_idle, kept, _idleCount - kept);
            Volatile.Write(ref _idleCount, kept);
            if (expired is not null)
            {
                foreach (UpstreamConnection connection in expired)
                {
                    connection.State = UpstreamConnectionState.Closed;
                    _open.Remove(connection);
                    connection.Address.Total--;
                }
            }
        }

        if (expired is not null)
        {
            foreach (UpstreamConnection connection in expired)
            {
                connection.Close();
            }

            WakeAllWaiters();
        }
    }

    /// <summary>Closes idle connections, aborts rented ones (their renters see I/O errors), and fails waiters; later rents throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        UpstreamConnection[] idle;
        UpstreamConnection[] active;
        UpstreamWaiter? waiters;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            idle = new UpstreamConnection[_idleCount];
            Array.Copy(_idle, idle, _idleCount);
            Array.Clear(_idle, 0, _idleCount);
            Volatile.Write(ref _idleCount, 0);
            foreach (UpstreamConnection connection in idle)
            {
                connection.State = UpstreamConnectionState.Closed;
                _open.Remove(connection);
                connection.Address.Total--;
            }

            active = [.. _open];
            waiters = DetachAllWaiters();
        }

        await _scavengeTimer.DisposeAsync();
        await _disposeCts.CancelAsync();
        foreach (UpstreamConnection connection in idle)
        {
            connection.Close();
        }

        foreach (UpstreamConnection connection in active)
        {
            connection.Abort(); // the renter still owns the pipes; it retires or returns the connection later
        }

        for (UpstreamWaiter? w = waiters; w is not null;)
        {
            UpstreamWaiter? next = w.Next;
            w.Next = null;
            w.SetException(new ObjectDisposedException(nameof(UpstreamPool)));
            w = next;
        }
    }
}
