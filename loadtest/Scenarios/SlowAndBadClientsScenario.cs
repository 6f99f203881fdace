using Terminator.LoadTest.Engine;
using Terminator.LoadTest.Scenarios.Abuse;

namespace Terminator.LoadTest.Scenarios;

/// <summary>
/// <c>slow-and-bad-clients</c>: normal clicks throughout, with the bad clients of the internet (slowloris, garbage and
/// truncated ClientHellos, unknown SNI, malformed HTTP, clients that stop reading, plain HTTP on the TLS port) mixed in
/// for the second half only, so the same run reports the normal traffic's figures without and with the abuse; the
/// thresholds hold the normal traffic under abuse.
/// </summary>
internal static class SlowAndBadClientsScenario
{
    public const string Name = "slow-and-bad-clients";

    public const string AbuseName = Name + ".abuse";

    public const string WithoutAbuse = "without-abuse";

    public const string WithAbuse = "with-abuse";

    public const string Description =
        "Normal clicks (60/s) with the internet's bad clients mixed in for the second half (20 new per second, in turn: " +
        "slowloris, garbage and truncated ClientHellos, unknown SNI, malformed HTTP, clients that stop reading, plain " +
        "HTTP on the TLS port): the normal traffic's error rate and p99 under abuse are the thresholds.";

    public static ScenarioPlan Create(ScenarioSettings settings)
    {
        TimeSpan half = settings.Duration / 2;
        var normal = new ScenarioDefinition
        {
            Name = Name,
            Description = Description,
            Iteration = new ClickIteration(settings.Target).RunAsync,
            WarmUp = settings.WarmUp,
            Simulations = [new LoadSimulation.Inject(settings.Rate(60), settings.Duration)],
            Windows = [new StatsWindow(WithoutAbuse, TimeSpan.Zero, half), new StatsWindow(WithAbuse, half, settings.Duration)],
            Thresholds = [Threshold.ErrorRate(Name, 1, WithAbuse), Threshold.P99(Name, 500, WithAbuse)],
        };
        var abuse = new ScenarioDefinition
        {
            Name = AbuseName,
            Description = "The bad clients themselves; each one's outcome is what the server did about it.",
            Iteration = new AbusiveClient(settings.Target).RunAsync,
            Simulations = [new LoadSimulation.Pause(half), new LoadSimulation.Inject(settings.Rate(20), settings.Duration - half)],
            MaxInFlight = 300,
            IsBackground = true,
            Grace = AbusiveClient.Patience + TimeSpan.FromSeconds(1),
        };
        return new ScenarioPlan(Name, Description, [normal, abuse]);
    }
}
