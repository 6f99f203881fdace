namespace Terminator.Diagnostics;

/// <summary>A histogram series as collected: bucket upper bounds, the count in each bucket (not cumulative; one more than
/// there are bounds, the last for values above every bound) and the sum of the recorded values.</summary>
internal sealed record HistogramSnapshot(IReadOnlyList<double> Bounds, IReadOnlyList<long> Counts, double Sum)
{
    /// <summary>Values recorded: the sum of every bucket (so it always equals the +Inf bucket of the exposition).</summary>
    public long Count
    {
        get
        {
            long total = 0;
            foreach (long count in Counts)
            {
                total += count;
            }

            return total;
        }
    }
}
