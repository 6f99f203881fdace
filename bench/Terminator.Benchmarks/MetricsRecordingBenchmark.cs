using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Terminator.Diagnostics;

namespace Terminator.Benchmarks;

/// <summary>
/// What one event costs the hot path in <see cref="TerminatorMetrics"/>: a counter (one Interlocked add), a completed
/// request (status-class counter + the duration histogram through the meter's listener), and, for comparison, the same
/// observation into a bare <see cref="HistogramBuckets"/> (what an own bucket array without the meter would cost), and
/// the timestamp the request duration needs. All must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class MetricsRecordingBenchmark
{
    private readonly TerminatorMetrics _metrics = new();
    private readonly HistogramBuckets _buckets = new([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
    private long _started;

    [GlobalSetup]
    public void Setup() => _started = Stopwatch.GetTimestamp();

    [GlobalCleanup]
    public void Cleanup() => _metrics.Dispose();

    [Benchmark(Baseline = true)]
    public void Counter() => _metrics.Https.ConnectionAccepted();

    [Benchmark]
    public void RequestCompleted() => _metrics.RequestCompleted(302, _started);

    [Benchmark]
    public void BareBuckets() => _buckets.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds);

    [Benchmark]
    public long Timestamp() => Stopwatch.GetTimestamp();
}
