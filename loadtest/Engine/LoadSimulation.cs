namespace Terminator.LoadTest.Engine;

/// <summary>
/// How a scenario's iterations arrive over time (NBomber's <c>LoadSimulation</c>). Open models (<see cref="Inject"/>,
/// <see cref="RampingInject"/>) start iterations on a schedule whether or not earlier ones finished, so an overloaded
/// target shows up as latency instead of slowing the client down; the closed model (<see cref="KeepConstant"/>) keeps a
/// fixed number of clients, each starting its next iteration when the last one ended.
/// </summary>
internal abstract record LoadSimulation(TimeSpan During)
{
    /// <summary>Starts <paramref name="PerSecond"/> iterations per second.</summary>
    public sealed record Inject(double PerSecond, TimeSpan During) : LoadSimulation(During)
    {
        public override string ToString() => $"inject {PerSecond:0.#}/s for {During.TotalSeconds:0.#}s";
    }

    /// <summary>Rate moves linearly from <paramref name="From"/> to <paramref name="To"/> per second.</summary>
    public sealed record RampingInject(double From, double To, TimeSpan During) : LoadSimulation(During)
    {
        public override string ToString() => $"ramp {From:0.#}->{To:0.#}/s over {During.TotalSeconds:0.#}s";
    }

    /// <summary><paramref name="Copies"/> clients, each running iterations back to back.</summary>
    public sealed record KeepConstant(int Copies, TimeSpan During) : LoadSimulation(During)
    {
        public override string ToString() => $"keep {Copies} clients for {During.TotalSeconds:0.#}s";
    }

    /// <summary>Nothing: lets a scenario start later than the others of its run.</summary>
    public sealed record Pause(TimeSpan During) : LoadSimulation(During)
    {
        public override string ToString() => $"pause {During.TotalSeconds:0.#}s";
    }

    /// <summary>Arrivals per second at <paramref name="offset"/> into this simulation (open models only).</summary>
    public double RateAt(TimeSpan offset) => this switch
    {
        Inject inject => inject.PerSecond,
        RampingInject ramp => ramp.From + (ramp.To - ramp.From) * Math.Clamp(offset / ramp.During, 0, 1),
        _ => 0,
    };
}
