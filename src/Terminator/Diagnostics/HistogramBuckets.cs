namespace Terminator.Diagnostics;

/// <summary>
/// One histogram series with fixed bucket boundaries, recorded lock-free: a short scan over the boundaries, one
/// <see cref="Interlocked.Increment(ref long)"/> on the bucket and a compare-and-swap on the sum. Read by
/// <see cref="Snapshot"/> when metrics are collected; a snapshot taken while others record is not atomic across
/// buckets (a value may be in its bucket but not yet in the sum), which a scrape every few seconds cannot tell.
/// </summary>
internal sealed class HistogramBuckets
{
    private readonly double[] _bounds;
    // One count per bound (value <= bound) plus the last, +Inf; not cumulative (the exposition sums them).
    private readonly long[] _counts;
    private double _sum;

    /// <param name="bounds">Upper bounds, strictly ascending and finite (Prometheus "le").</param>
    public HistogramBuckets(IReadOnlyList<double> bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        _bounds = [.. bounds];
        for (int i = 0; i < _bounds.Length; i++)
        {
            if (!double.IsFinite(_bounds[i]) || (i > 0 && _bounds[i] <= _bounds[i - 1]))
            {
                throw new ArgumentException("bucket bounds must be finite and strictly ascending", nameof(bounds));
            }
        }

        _counts = new long[_bounds.Length + 1];
    }

    /// <summary>Counts <paramref name="value"/> in the first bucket whose bound is at least the value. NaN is ignored.</summary>
    public void Record(double value)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        // A dozen bounds: a linear scan beats a binary search's branches, and the common (fast) values exit first.
        double[] bounds = _bounds;
        int bucket = 0;
        while (bucket < bounds.Length && value > bounds[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _counts[bucket]);
        double current = Volatile.Read(ref _sum);
        while (true)
        {
            double seen = Interlocked.CompareExchange(ref _sum, current + value, current);
            if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current))
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>The bounds, the per-bucket counts (last: above every bound) and the sum, as of now.</summary>
    public HistogramSnapshot Snapshot()
    {
        var counts = new long[_counts.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = Volatile.Read(ref _counts[i]);
        }

        return new HistogramSnapshot(_bounds, counts, Volatile.Read(ref _sum));
    }
}
