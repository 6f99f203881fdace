using System.Net;
using Terminator.LoadTest.Engine;
using Terminator.LoadTest.Target;

namespace Terminator.LoadTest.Scenarios.Flap;

/// <summary>
/// <c>upstream-flap</c>: the tracking origin behind the terminator restarts (a deploy, a crash) while clicks keep
/// arriving. The runner owns the origin (<see cref="LoopbackUpstream"/>) and starts a demo of its own in front of it
/// (<c>terminator demo --upstream</c>); 40% into the run it closes the origin's listener and every connection, and
/// 0.5 s later listens again on the same port. Only clicks in flight during [stop, restart + 1 s] may fail, and the
/// first click that needs the restarted origin must succeed within 1 s of the restart.
/// </summary>
internal static class UpstreamFlapScenario
{
    public const string Name = "upstream-flap";

    public const string FlapperName = Name + ".flapper";

    public const string Description =
        "The tracking origin restarts during load: clicks at 50/s through a demo in front of an origin the runner owns; " +
        "40% into the run the origin closes its listener and connections and listens again on the same port 0.5 s later. " +
        "Errors only within [stop, restart + 1 s] (errors outside it = 0), restart to first success <= 1 s.";

    private static readonly TimeSpan Outage = TimeSpan.FromMilliseconds(500);

    public static async Task<ScenarioPlan> CreateAsync(ScenarioSettings settings, CancellationToken cancellationToken)
    {
        Func<IPEndPoint, CancellationToken, Task<DemoTarget>> startDemo = settings.StartDemo
            ?? throw new InvalidOperationException($"{Name}: only with --target demo (the runner must own and restart the upstream)");
        var upstream = new LoopbackUpstream();
        upstream.Start();
        DemoTarget demo;
        try
        {
            demo = await startDemo(upstream.EndPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await upstream.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var recorder = new FlapRecorder();
        TimeSpan flapAt = settings.Duration * 0.4;
        TimeSpan flapping = TimeSpan.FromSeconds(1);
        var clicks = new ScenarioDefinition
        {
            Name = Name,
            Description = Description,
            Iteration = new FlapClickIteration(new ClickIteration(demo.Info), recorder).RunAsync,
            WarmUp = settings.WarmUp,
            Simulations = [new LoadSimulation.Inject(settings.Rate(50), settings.Duration)],
            Thresholds = [recorder.ErrorsOutsideThreshold(Name), recorder.RecoveryThreshold(Name)],
        };
        var flapper = new ScenarioDefinition
        {
            Name = FlapperName,
            Description = "Stops the origin once (listener and connections closed) and restarts it on the same port 0.5 s later.",
            Iteration = new UpstreamFlapper(upstream, recorder, Outage).RunAsync,
            // One arrival at the start of the 1-second inject; the pause after it keeps the plan's timelines equally long.
            Simulations =
            [
                new LoadSimulation.Pause(flapAt),
                new LoadSimulation.Inject(1, flapping),
                new LoadSimulation.Pause(settings.Duration - flapAt - flapping > TimeSpan.Zero ? settings.Duration - flapAt - flapping : TimeSpan.Zero),
            ],
            IsBackground = true,
        };
        return new ScenarioPlan(Name, Description, [clicks, flapper])
        {
            Target = demo.Info,
            Owned = [demo, upstream],
            Afterword = () => Afterword(recorder, upstream),
        };
    }

    private static string Afterword(FlapRecorder recorder, LoopbackUpstream upstream) => recorder.Flapped
        ? $"  {Name}: origin {upstream.EndPoint} away for {recorder.OutageMilliseconds():0} ms; {recorder.Failures} failed clicks " +
          $"({recorder.FailuresAfterRestart()} started after the restart), {recorder.ErrorsOutsideWindow():0} outside [stop, restart + 1s]; restart to first success {recorder.RecoveryMilliseconds():0.#} ms"
        : $"  {Name}: the run ended before the origin was restarted (--duration too short?)";
}
