using Terminator.LoadTest.Engine;

namespace Terminator.LoadTest.Scenarios;

/// <summary>A named entry of <c>--scenario</c>: the scenario definitions that run together (slow-and-bad-clients is
/// normal clicks plus the abuse mixed in; smoke is clicks and opens side by side).</summary>
internal sealed record ScenarioPlan(string Name, string Description, IReadOnlyList<ScenarioDefinition> Scenarios);
