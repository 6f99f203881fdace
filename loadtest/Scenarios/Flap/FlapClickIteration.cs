using System.Diagnostics;
using Terminator.LoadTest.Engine;

namespace Terminator.LoadTest.Scenarios.Flap;

/// <summary>A normal click (<see cref="ClickIteration"/>) whose start, end and outcome the <see cref="FlapRecorder"/>
/// sees, so errors can be placed against the flap.</summary>
internal sealed class FlapClickIteration(ClickIteration click, FlapRecorder recorder)
{
    public async ValueTask<IterationResult> RunAsync(ScenarioContext context)
    {
        long start = Stopwatch.GetTimestamp();
        IterationResult result = await click.RunAsync(context).ConfigureAwait(false);
        recorder.Record(start, Stopwatch.GetTimestamp(), result.IsOk);
        return result;
    }
}
