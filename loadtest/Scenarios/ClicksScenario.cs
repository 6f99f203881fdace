using Terminator.LoadTest.Engine;

namespace Terminator.LoadTest.Scenarios;

/// <summary><c>clicks</c>: recipients clicking tracked links, each a new visitor (new TLS connection, no session to
/// resume) on one of the target's names, ramping up as a campaign lands and then holding.</summary>
internal static class ClicksScenario
{
    public const string Name = "clicks";

    public const string Description =
        "Recipients clicking tracked links: every click a new TLS connection (no resumption) with an SNI drawn from the " +
        "target's names, GET /f/<id>?target=..., 302 expected; the rate ramps up as a campaign lands, then holds.";

    public static ScenarioPlan Create(ScenarioSettings settings)
    {
        TimeSpan ramp = settings.Duration / 3;
        var iteration = new ClickIteration(settings.Target);
        return new ScenarioPlan(Name, Description,
        [
            new ScenarioDefinition
            {
                Name = Name,
                Description = Description,
                Iteration = iteration.RunAsync,
                WarmUp = settings.WarmUp,
                Simulations =
                [
                    new LoadSimulation.RampingInject(settings.Rate(20), settings.Rate(100), ramp),
                    new LoadSimulation.Inject(settings.Rate(100), settings.Duration - ramp),
                ],
                Thresholds = [Threshold.ErrorRate(Name, 1), Threshold.P99(Name, 500)],
            },
        ]);
    }
}
