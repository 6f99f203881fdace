namespace Terminator.MacroBench;

/// <summary>Collects per-operation latencies (microseconds) from many workers; percentiles by sorting at the end (every
/// sample is kept, so p99.9 and the maximum are exact, not bucketed).</summary>
internal sealed class LatencyRecorder
{
    private readonly List<double> _samples = new(1 << 20);
    private readonly Lock _gate = new();
    private long _errors;

    public long Count { get { lock (_gate) return _samples.Count; } }
    public long Errors => Interlocked.Read(ref _errors);

    public void Record(double microseconds) { lock (_gate) _samples.Add(microseconds); }

    public void Error() => Interlocked.Increment(ref _errors);

    public double Percentile(double p)
    {
        lock (_gate)
        {
            if (_samples.Count == 0) return double.NaN;
            _samples.Sort();
            return _samples[Math.Min(_samples.Count - 1, (int)(p / 100 * _samples.Count))];
        }
    }

    public double Max()
    {
        lock (_gate)
        {
            return _samples.Count == 0 ? double.NaN : _samples.Max();
        }
    }
}
