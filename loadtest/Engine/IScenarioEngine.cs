namespace Terminator.LoadTest.Engine;

/// <summary>
/// The seam between the scenarios and what runs them. Scenarios are plain <see cref="ScenarioDefinition"/>s (an
/// iteration delegate, load simulations, thresholds) and results plain <see cref="ScenarioResult"/>s, both in NBomber's
/// terms, so an NBomber-backed engine could replace <see cref="ScenarioEngine"/> by mapping one onto
/// <c>Scenario.Create(...).WithLoadSimulations(...).WithThresholds(...)</c> and NBomber's stats back onto the other.
/// </summary>
internal interface IScenarioEngine
{
    /// <summary>Runs <paramref name="scenarios"/> at the same time (one warm-up, the longest they ask for) and
    /// returns each one's measured result with its thresholds checked.</summary>
    Task<IReadOnlyList<ScenarioResult>> RunAsync(IReadOnlyList<ScenarioDefinition> scenarios, IRunObserver observer, CancellationToken cancellationToken);
}
