namespace Terminator.LoadTest.Engine;

/// <summary>
/// A service-level objective a scenario declares (NBomber's <c>Threshold</c>): a figure of its stats (over the whole
/// measured run, or one named <see cref="StatsWindow"/>) that must not exceed <see cref="Limit"/>. The run exits non-zero
/// when one is violated, and says which by <see cref="Name"/>.
/// </summary>
internal sealed record Threshold(string Name, string Figure, double Limit, string Unit, Func<ScenarioStats, double> Measure, string? Window = null)
{
    /// <summary>Errors / iterations, in percent.</summary>
    public static Threshold ErrorRate(string scenario, double maxPercent, string? window = null) =>
        new($"{scenario}.error-rate{Suffix(window)}", "error rate", maxPercent, "%", static s => s.ErrorPercent, window);

    /// <summary>99th percentile latency, in milliseconds.</summary>
    public static Threshold P99(string scenario, double maxMilliseconds, string? window = null) =>
        new($"{scenario}.p99{Suffix(window)}", "p99 latency", maxMilliseconds, "ms", static s => s.Latency.P99Ms, window);

    /// <summary>A figure that must stay at or above <paramref name="minimum"/> (stored negated so every check is "at most").</summary>
    public static Threshold AtLeast(string name, string figure, double minimum, string unit, Func<ScenarioStats, double> measure) =>
        new(name, figure, -minimum, unit, s => -measure(s));

    public ThresholdResult Evaluate(ScenarioStats stats)
    {
        double measured = Measure(stats);
        // No iteration at all in the window is a failure too: an SLO that nothing exercised proves nothing.
        bool passed = stats.Iterations > 0 && !double.IsNaN(measured) && measured <= Limit;
        bool atLeast = Limit < 0;
        string rule = atLeast ? $"{Figure} >= {-Limit:0.###}{Unit}" : $"{Figure} <= {Limit:0.###}{Unit}";
        string actual = stats.Iterations == 0 ? "no iterations" : $"{(atLeast ? -measured : measured):0.###}{Unit}";
        return new ThresholdResult(Name, rule, actual, passed);
    }

    private static string Suffix(string? window) => window is null ? "" : "." + window;
}
