using System.Collections.Concurrent;
using System.Net;

namespace Terminator.Listener;

/// <summary>
/// Caps open connections in total and per client IP (the slow-loris / single-abuser defence every edge proxy needs;
/// nginx limit_conn, HAProxy maxconn + stick tables). Acquire on accept, release when the connection ends.
/// </summary>
internal sealed class ConnectionLimiter
{
    private readonly int _maxTotal;
    private readonly int _maxPerAddress;
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private int _total;

    public ConnectionLimiter(int maxTotal, int maxPerAddress)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTotal, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerAddress, 1);
        _maxTotal = maxTotal;
        _maxPerAddress = maxPerAddress;
    }

    public int Total => Volatile.Read(ref _total);

    /// <summary>Client addresses with at least one open connection; 0 once every connection has been released.</summary>
    internal int TrackedAddresses => _perAddress.Count;

    public bool TryAcquire(IPAddress address)
    {
        if (Interlocked.Increment(ref _total) > _maxTotal)
        {
            Interlocked.Decrement(ref _total);
            return false;
        }

        while (true)
        {
            if (_perAddress.TryGetValue(address, out int current))
            {
                if (current >= _maxPerAddress)
                {
                    Interlocked.Decrement(ref _total);
                    return false;
                }

                if (_perAddress.TryUpdate(address, current + 1, current))
                {
                    return true;
                }
            }
            else if (_perAddress.TryAdd(address, 1))
            {
                return true;
            }
        }
    }

    public void Release(IPAddress address)
    {
        Interlocked.Decrement(ref _total);
        while (_perAddress.TryGetValue(address, out int current))
        {
            bool done = current <= 1
                ? _perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, current))
                : _perAddress.TryUpdate(address, current - 1, current);
            if (done)
            {
                return;
            }
        }
    }
}
