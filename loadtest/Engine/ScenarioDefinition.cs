namespace Terminator.LoadTest.Engine;

/// <summary>
/// One scenario (NBomber's <c>ScenarioProps</c>): what one iteration does, how iterations arrive
/// (<see cref="Simulations"/>, run one after another), how long to warm up before anything counts, and the SLOs the
/// measured part must meet. The engine knows nothing else about it: this record is the seam another engine (NBomber)
/// would be fed from.
/// </summary>
internal sealed record ScenarioDefinition
{
    public required string Name { get; init; }

    /// <summary>One sentence: the real traffic it models.</summary>
    public required string Description { get; init; }

    public required Func<ScenarioContext, ValueTask<IterationResult>> Iteration { get; init; }

    public required IReadOnlyList<LoadSimulation> Simulations { get; init; }

    /// <summary>Runs at the first simulation's load before the measured part; nothing it does is recorded.</summary>
    public TimeSpan WarmUp { get; init; }

    public IReadOnlyList<Threshold> Thresholds { get; init; } = [];

    /// <summary>Closed model: the pause a copy takes between iterations (not part of the latency); zero runs them
    /// back to back.</summary>
    public TimeSpan ThinkTime { get; init; }

    public IReadOnlyList<StatsWindow> Windows { get; init; } = [];

    /// <summary>Open model: arrivals beyond this many iterations in flight are not started but counted as
    /// "client overflow" errors, so an unresponsive target cannot make the client open sockets without bound.</summary>
    public int MaxInFlight { get; init; } = 400;

    /// <summary>Not a scenario of its own in reports (e.g. the abuse mixed into slow-and-bad-clients): reported under its
    /// name, but its "errors" are the expected outcomes of bad clients and carry no thresholds.</summary>
    public bool IsBackground { get; init; }

    /// <summary>How long in-flight iterations may finish after the last simulation before they are cancelled and
    /// counted as unfinished.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Its iterations tell resumed handshakes from full ones, so the resumed share is a figure of its report.</summary>
    public bool ReportsResumption { get; init; }

    public TimeSpan MeasuredDuration
    {
        get
        {
            TimeSpan total = TimeSpan.Zero;
            foreach (LoadSimulation simulation in Simulations)
            {
                total += simulation.During;
            }

            return total;
        }
    }
}
