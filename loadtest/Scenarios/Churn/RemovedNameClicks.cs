using Terminator.LoadTest.Engine;

namespace Terminator.LoadTest.Scenarios.Churn;

/// <summary>A click for a name already removed (its outcome is what the daemon did: the expected one is the
/// <c>unrecognized_name</c> alert); before the first removal there is nothing to click.</summary>
internal sealed class RemovedNameClicks(ClickIteration click, ChurnLedger ledger)
{
    public ValueTask<IterationResult> RunAsync(ScenarioContext context) =>
        ledger.PickRemoved() is null ? ValueTask.FromResult(IterationResult.Ok(requests: 0)) : click.RunAsync(context);
}
