namespace Terminator.Diagnostics;

/// <summary>One series of a collected instrument: its tags and its value (counters and gauges) or buckets (histograms).</summary>
internal sealed record MetricPoint(IReadOnlyList<KeyValuePair<string, string>> Tags, double Value, HistogramSnapshot? Histogram = null);
