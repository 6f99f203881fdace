namespace Terminator.LoadTest.Engine;

/// <summary>Told about a run as it goes (the progress display, the target's CPU/RSS sampler).</summary>
internal interface IRunObserver
{
    /// <summary>The warm-up ended; measured second 0 starts now.</summary>
    void MeasurementStarted(IReadOnlyList<ScenarioDefinition> scenarios);

    /// <summary>Measured second <paramref name="second"/> closed for every scenario of the run.</summary>
    void SecondClosed(int second, IReadOnlyList<(ScenarioDefinition Scenario, TimelineSecond Point)> points);
}
