namespace Terminator.Diagnostics;

/// <summary>An instrument as collected at one scrape: its System.Diagnostics.Metrics name, unit and description, how it is
/// exposed, and its series (possibly none: an observable gauge with nothing to report).</summary>
internal sealed record CollectedMetric(string Name, string? Unit, string? Description, MetricType Type, IReadOnlyList<MetricPoint> Points);
