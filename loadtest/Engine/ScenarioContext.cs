namespace Terminator.LoadTest.Engine;

/// <summary>
/// Handed to each iteration. In the closed model one context belongs to one client copy for the whole run, so
/// <see cref="State"/> carries its keep-alive connection from iteration to iteration; in the open model every
/// arrival gets a fresh one.
/// </summary>
internal sealed class ScenarioContext(int copy, CancellationToken stopping)
{
    /// <summary>The client copy (closed model) or the arrival's sequence number modulo a large prime (open model).</summary>
    public int Copy { get; } = copy;

    /// <summary>Iterations this context has run before the current one.</summary>
    public long Iteration { get; internal set; }

    /// <summary>Per-client state kept across iterations (closed model); disposed at the end when it is disposable.</summary>
    public object? State { get; set; }

    /// <summary>Cancelled when the scenario's time is up: an iteration still running then is abandoned, not counted.</summary>
    public CancellationToken Stopping { get; } = stopping;
}
