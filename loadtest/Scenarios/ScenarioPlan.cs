using Terminator.LoadTest.Engine;
using Terminator.LoadTest.Target;

namespace Terminator.LoadTest.Scenarios;

/// <summary>A named entry of <c>--scenario</c>: the scenario definitions that run together (slow-and-bad-clients is
/// normal clicks plus the abuse mixed in; smoke is clicks and opens side by side).</summary>
internal sealed record ScenarioPlan(string Name, string Description, IReadOnlyList<ScenarioDefinition> Scenarios)
{
    /// <summary>A target of the plan's own (upstream-flap's demo in front of the runner's origin), sampled instead of
    /// the run's; null: the run's target.</summary>
    public TargetInfo? Target { get; init; }

    /// <summary>What the plan started and the runner stops after it, in order (a demo before the origin behind it).</summary>
    public IReadOnlyList<IAsyncDisposable> Owned { get; init; } = [];

    /// <summary>Figures the engine's stats do not hold, printed after the plan's summary lines.</summary>
    public Func<string>? Afterword { get; init; }
}
