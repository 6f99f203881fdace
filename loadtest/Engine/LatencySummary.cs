using HdrHistogram;

namespace Terminator.LoadTest.Engine;

/// <summary>Percentiles of a latency histogram (recorded in microseconds), in milliseconds.</summary>
internal sealed record LatencySummary(double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs)
{
    public static readonly LatencySummary Empty = new(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    public static LatencySummary From(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return Empty;
        }

        return new LatencySummary(
            Ms(histogram.GetValueAtPercentile(50)), Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)), Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()), histogram.GetMean() / 1000.0);
    }

    private static double Ms(long microseconds) => microseconds / 1000.0;
}
