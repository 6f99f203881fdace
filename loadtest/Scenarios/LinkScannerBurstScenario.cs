using Terminator.LoadTest.Engine;

namespace Terminator.LoadTest.Scenarios;

/// <summary><c>link-scanner-burst</c>: a mail security gateway (Defender Safe Links, Mimecast, Proofpoint) fetching
/// every link of an incoming message at once from one IP, before the recipient sees it; many messages per second.</summary>
internal static class LinkScannerBurstScenario
{
    public const string Name = "link-scanner-burst";

    public const string Description =
        "A mail security gateway scanning every link of each incoming message at once from one IP: per message, 6 " +
        "parallel new TLS connections to the message's tracking domain, each GET /f/..., 302 expected; latency is per " +
        "message (all 6 links).";

    private const int LinksPerMessage = 6;

    public static ScenarioPlan Create(ScenarioSettings settings)
    {
        var link = new ClickIteration(settings.Target, pickName: null, allowResume: true);
        return new ScenarioPlan(Name, Description,
        [
            new ScenarioDefinition
            {
                Name = Name,
                Description = Description,
                Iteration = context => ScanMessageAsync(link, context),
                WarmUp = settings.WarmUp,
                Simulations = [new LoadSimulation.Inject(settings.Rate(10), settings.Duration)],
                MaxInFlight = 60,
                Thresholds = [Threshold.ErrorRate(Name, 1), Threshold.P99(Name, 1000)],
            },
        ]);
    }

    /// <summary>One message: its links fetched in parallel, each on its own connection; the message failed when any
    /// link did (counted under the first failure's kind).</summary>
    private static async ValueTask<IterationResult> ScanMessageAsync(ClickIteration link, ScenarioContext context)
    {
        var fetches = new Task<IterationResult>[LinksPerMessage];
        for (int i = 0; i < fetches.Length; i++)
        {
            fetches[i] = link.RunAsync(context).AsTask();
        }

        IterationResult[] links = await Task.WhenAll(fetches).ConfigureAwait(false);
        var message = new IterationResult();
        foreach (IterationResult result in links)
        {
            message = message with
            {
                Error = message.Error ?? result.Error,
                Requests = message.Requests + result.Requests,
                Handshakes = message.Handshakes + result.Handshakes,
                ResumedHandshakes = message.ResumedHandshakes + result.ResumedHandshakes,
                BytesSent = message.BytesSent + result.BytesSent,
                BytesReceived = message.BytesReceived + result.BytesReceived,
            };
        }

        return message;
    }
}
