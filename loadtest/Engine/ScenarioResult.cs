namespace Terminator.LoadTest.Engine;

/// <summary>A finished scenario: its figures over the measured run and each window, its per-second timeline, and its
/// thresholds as checked.</summary>
internal sealed record ScenarioResult(
    ScenarioDefinition Definition,
    ScenarioStats Stats,
    IReadOnlyList<ScenarioStats> Windows,
    IReadOnlyList<TimelineSecond> Timeline,
    IReadOnlyList<ThresholdResult> Thresholds)
{
    public bool Passed
    {
        get
        {
            foreach (ThresholdResult threshold in Thresholds)
            {
                if (!threshold.Passed)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
