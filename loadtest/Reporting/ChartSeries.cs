namespace Terminator.LoadTest.Reporting;

/// <summary>One line of a chart: (second, value) points, NaN for "nothing measured that second" (a gap).</summary>
internal sealed record ChartSeries(string Name, string Color, IReadOnlyList<(double X, double Y)> Points);
