using Terminator.LoadTest.Engine;

namespace Terminator.LoadTest.Scenarios;

/// <summary><c>returning-clients</c>: recipients who click again on the same tracking domain within the ticket
/// lifetime, so their browser resumes its TLS session; the resumed share is reported (and thresholded).</summary>
internal static class ReturningClientsScenario
{
    public const string Name = "returning-clients";

    public const string Description =
        "Recipients clicking again on a tracking domain they visited minutes ago: a new connection that offers the TLS " +
        "session ticket it kept (64 returning clients over the target's names), GET /f/..., 302 expected; the share of " +
        "handshakes the server resumed is reported, measured from the client by the server's flight size.";

    private const int ReturningClients = 64;

    public static async Task<ScenarioPlan> CreateAsync(ScenarioSettings settings, CancellationToken cancellationToken)
    {
        var names = new string[ReturningClients];
        IReadOnlyList<string> exact = settings.Target.Names.Exact;
        for (int i = 0; i < names.Length; i++)
        {
            // Half on the configured names, half spread under their wildcards (if any): many sessions, few certificates.
            names[i] = i % 2 == 0 ? exact[i / 2 % exact.Count] : settings.Target.Names.Pick();
        }

        var detector = new ResumptionDetector(settings.Target);
        await detector.MeasureFullHandshakesAsync(names.Distinct(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
        var click = new ClickIteration(settings.Target, () => names[Random.Shared.Next(names.Length)], allowResume: true, detector);
        return new ScenarioPlan(Name, Description,
        [
            new ScenarioDefinition
            {
                Name = Name,
                Description = Description,
                Iteration = click.RunAsync,
                WarmUp = settings.WarmUp,
                Simulations = [new LoadSimulation.Inject(settings.Rate(100), settings.Duration)],
                ReportsResumption = true,
                Thresholds =
                [
                    Threshold.ErrorRate(Name, 1),
                    Threshold.P99(Name, 500),
                    Threshold.AtLeast($"{Name}.resumed", "resumed handshakes", 50, "%", static s => s.ResumedPercent),
                ],
            },
        ]);
    }
}
