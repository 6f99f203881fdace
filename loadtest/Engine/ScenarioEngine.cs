using System.Diagnostics;

namespace Terminator.LoadTest.Engine;

/// <summary>
/// The built-in engine: one <see cref="ScenarioRunner"/> per scenario, all started at the same instant, and one sampler
/// that closes every scenario's measured seconds together so their timelines line up (and line up with the target's
/// CPU/RSS samples taken through the observer).
/// </summary>
internal sealed class ScenarioEngine : IScenarioEngine
{
    public async Task<IReadOnlyList<ScenarioResult>> RunAsync(IReadOnlyList<ScenarioDefinition> scenarios, IRunObserver observer, CancellationToken cancellationToken)
    {
        TimeSpan warmUp = TimeSpan.Zero;
        foreach (ScenarioDefinition scenario in scenarios)
        {
            warmUp = scenario.WarmUp > warmUp ? scenario.WarmUp : warmUp;
        }

        var meters = new ScenarioMeter[scenarios.Count];
        var runs = new Task[scenarios.Count];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < scenarios.Count; i++)
        {
            meters[i] = new ScenarioMeter(scenarios[i]);
            var runner = new ScenarioRunner(meters[i], warmUp);
            runs[i] = Task.Run(() => runner.RunAsync(start, cancellationToken), CancellationToken.None);
        }

        Task all = Task.WhenAll(runs);
        long measureStart = start + (long)(warmUp.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAny(all, Task.Delay(warmUp, cancellationToken)).ConfigureAwait(false);
        observer.MeasurementStarted(scenarios);
        int second = 0;
        while (!all.IsCompleted)
        {
            long close = measureStart + (second + 1) * Stopwatch.Frequency;
            TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), close);
            if (wait > TimeSpan.Zero && await Task.WhenAny(all, Task.Delay(wait, CancellationToken.None)).ConfigureAwait(false) == all)
            {
                break;
            }

            observer.SecondClosed(second, SampleAll(meters, second));
            second++;
        }

        await all.ConfigureAwait(false);
        // The part-second at the end (iterations finishing within the grace) belongs to the last second measured.
        if (second == 0 || HasData(meters))
        {
            observer.SecondClosed(second, SampleAll(meters, second));
        }

        var results = new List<ScenarioResult>(meters.Length);
        foreach (ScenarioMeter meter in meters)
        {
            results.Add(Finish(meter));
        }

        return results;
    }

    private static List<(ScenarioDefinition, TimelineSecond)> SampleAll(ScenarioMeter[] meters, int second)
    {
        var points = new List<(ScenarioDefinition, TimelineSecond)>(meters.Length);
        foreach (ScenarioMeter meter in meters)
        {
            points.Add((meter.Definition, meter.Sample(second)));
        }

        return points;
    }

    private static bool HasData(ScenarioMeter[] meters)
    {
        foreach (ScenarioMeter meter in meters)
        {
            if (meter.HasUnsampledData)
            {
                return true;
            }
        }

        return false;
    }

    private static ScenarioResult Finish(ScenarioMeter meter)
    {
        ScenarioStats stats = meter.Stats();
        var windows = new List<ScenarioStats>();
        foreach (StatsWindow window in meter.Definition.Windows)
        {
            if (meter.Stats(window) is { } windowStats)
            {
                windows.Add(windowStats);
            }
        }

        var thresholds = new List<ThresholdResult>();
        foreach (Threshold threshold in meter.Definition.Thresholds)
        {
            ScenarioStats? subject = threshold.Window is null ? stats : windows.Find(w => w.Window == threshold.Window);
            thresholds.Add(subject is null
                ? new ThresholdResult(threshold.Name, $"window '{threshold.Window}'", "never measured", Passed: false)
                : threshold.Evaluate(subject));
        }

        return new ScenarioResult(meter.Definition, stats, windows, meter.Timeline, thresholds);
    }
}
