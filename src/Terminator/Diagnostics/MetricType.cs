namespace Terminator.Diagnostics;

/// <summary>How a collected instrument is exposed (Prometheus <c># TYPE</c>).</summary>
internal enum MetricType
{
    /// <summary>Only goes up (an <c>ObservableCounter</c>); exposed with <c>_total</c>.</summary>
    Counter,

    /// <summary>A current value (an <c>ObservableGauge</c> or <c>ObservableUpDownCounter</c>).</summary>
    Gauge,

    /// <summary>Bucketed observations (a <c>Histogram</c>): <c>_bucket{le}</c>, <c>_sum</c>, <c>_count</c>.</summary>
    Histogram,
}
