namespace Terminator.Acme;

/// <summary>
/// At most N new orders per hour (a token bucket refilled continuously, holding at most N), so a restart with a
/// million due domains, or a CA outage ending, does not stampede the CA: the backlog drains at the budget's rate.
/// </summary>
internal sealed class OrderBudget
{
    private readonly Lock _gate = new();
    private readonly double _perSecond;
    private readonly double _capacity;
    private double _tokens;
    private DateTimeOffset _refilled;

    public OrderBudget(int ordersPerHour, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ordersPerHour, 1);
        _capacity = ordersPerHour;
        _perSecond = ordersPerHour / 3600.0;
        // Start with a small burst, not a full hour's worth: after a restart the backlog is spread from the start.
        _tokens = Math.Min(_capacity, Math.Max(1, ordersPerHour / 10.0));
        _refilled = now;
    }

    /// <summary>Takes one order's worth if available; otherwise says when the next one will be.</summary>
    public bool TryTake(DateTimeOffset now, out DateTimeOffset nextAvailable)
    {
        lock (_gate)
        {
            Refill(now);
            if (_tokens >= 1)
            {
                _tokens -= 1;
                nextAvailable = now;
                return true;
            }

            nextAvailable = now + TimeSpan.FromSeconds((1 - _tokens) / _perSecond);
            return false;
        }
    }

    private void Refill(DateTimeOffset now)
    {
        double seconds = (now - _refilled).TotalSeconds;
        if (seconds > 0)
        {
            _tokens = Math.Min(_capacity, _tokens + (seconds * _perSecond));
            _refilled = now;
        }
    }
}
