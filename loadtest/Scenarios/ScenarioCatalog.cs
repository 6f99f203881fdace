namespace Terminator.LoadTest.Scenarios;

/// <summary>The plans <c>--scenario</c> names, built for a target.</summary>
internal static class ScenarioCatalog
{
    public static async Task<ScenarioPlan> CreateAsync(string name, ScenarioSettings settings, CancellationToken cancellationToken) => name switch
    {
        SmokeScenario.Name => SmokeScenario.Create(settings),
        ClicksScenario.Name => ClicksScenario.Create(settings),
        OpensViaImageProxyScenario.Name => OpensViaImageProxyScenario.Create(settings),
        LinkScannerBurstScenario.Name => LinkScannerBurstScenario.Create(settings),
        ReturningClientsScenario.Name => await ReturningClientsScenario.CreateAsync(settings, cancellationToken).ConfigureAwait(false),
        SlowAndBadClientsScenario.Name => SlowAndBadClientsScenario.Create(settings),
        Flap.UpstreamFlapScenario.Name => await Flap.UpstreamFlapScenario.CreateAsync(settings, cancellationToken).ConfigureAwait(false),
        Churn.CertChurnScenario.Name => await Churn.CertChurnScenario.CreateAsync(settings, cancellationToken).ConfigureAwait(false),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown scenario"),
    };
}
