using Terminator.LoadTest.Engine;
using Terminator.LoadTest.Target;

namespace Terminator.LoadTest.Scenarios.Flap;

/// <summary>The one iteration of <c>upstream-flap</c>'s background scenario: stop the upstream, wait, start it again
/// on the same port, noting both instants in the recorder.</summary>
internal sealed class UpstreamFlapper(LoopbackUpstream upstream, FlapRecorder recorder, TimeSpan outage)
{
    private int _done;

    public async ValueTask<IterationResult> RunAsync(ScenarioContext context)
    {
        if (Interlocked.Exchange(ref _done, 1) == 1)
        {
            return IterationResult.Ok(requests: 0);
        }

        recorder.Stopped();
        await upstream.StopAsync().ConfigureAwait(false);
        // Not context.Stopping: the upstream must come back even when the run is ending, or the demo's stop would race it.
        await Task.Delay(outage, CancellationToken.None).ConfigureAwait(false);
        upstream.Start();
        recorder.Restarted();
        return IterationResult.Ok(requests: 0);
    }
}
