using Terminator.LoadTest.Engine;

namespace Terminator.LoadTest.Scenarios;

/// <summary><c>smoke</c>: light clicks and opens side by side, with generous limits: what CI gates on (does the node
/// serve its names at all, and not slowly), not a capacity figure.</summary>
internal static class SmokeScenario
{
    public const string Name = "smoke";

    public const string Description =
        "CI smoke: 20 clicks/s (new TLS connection each, 302 expected) and 2 image-proxy connections fetching pixels " +
        "every 20 ms, side by side; error rate <= 1% and p99 <= 1 s each.";

    public static ScenarioPlan Create(ScenarioSettings settings)
    {
        var clicks = new ScenarioDefinition
        {
            Name = ClicksScenario.Name,
            Description = ClicksScenario.Description,
            Iteration = new ClickIteration(settings.Target).RunAsync,
            WarmUp = settings.WarmUp,
            Simulations = [new LoadSimulation.Inject(settings.Rate(20), settings.Duration)],
            Thresholds = [Threshold.ErrorRate(ClicksScenario.Name, 1), Threshold.P99(ClicksScenario.Name, 1000)],
        };
        ScenarioDefinition opens = OpensViaImageProxyScenario.Definition(settings, settings.Clients(2), TimeSpan.FromMilliseconds(20), 1000);
        return new ScenarioPlan(Name, Description, [clicks, opens]);
    }
}
