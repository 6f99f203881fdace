using Terminator.LoadTest.Engine;

namespace Terminator.LoadTest.Scenarios;

/// <summary><c>opens-via-image-proxy</c>: Gmail's and Apple's image proxies fetching open pixels, a few keep-alive
/// connections carrying request after request (closed model, no think time: the proxy's burst when a campaign lands).</summary>
internal static class OpensViaImageProxyScenario
{
    public const string Name = "opens-via-image-proxy";

    public const string Description =
        "Image proxies (Gmail, Apple Mail Privacy Protection) fetching open pixels: a few keep-alive connections, each " +
        "sending the next GET /q/<id> as soon as the last answered; 200 with the 43-byte GIF expected.";

    public static ScenarioPlan Create(ScenarioSettings settings) => new(Name, Description, [Definition(settings, settings.Clients(4), TimeSpan.Zero, 250)]);

    public static ScenarioDefinition Definition(ScenarioSettings settings, int connections, TimeSpan thinkTime, double p99Milliseconds) => new()
    {
        Name = Name,
        Description = Description,
        Iteration = new PixelFetchIteration(settings.Target).RunAsync,
        WarmUp = settings.WarmUp,
        ThinkTime = thinkTime,
        Simulations = [new LoadSimulation.KeepConstant(connections, settings.Duration)],
        Thresholds = [Threshold.ErrorRate(Name, 1), Threshold.P99(Name, p99Milliseconds)],
    };
}
