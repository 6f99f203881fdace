using Terminator.LoadTest.Target;

namespace Terminator.LoadTest.Scenarios;

/// <summary>What every scenario factory gets: the target, the measured duration, the warm-up, and a factor applied to
/// every rate and client count (<c>--rate-scale</c>: 0.5 halves the load, 4 quadruples it).</summary>
internal sealed record ScenarioSettings(TargetInfo Target, TimeSpan Duration, TimeSpan WarmUp, double RateScale)
{
    /// <summary>Per request: a tracking hit that takes longer than this is a failure, not a latency.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public double Rate(double perSecond) => Math.Max(0.5, perSecond * RateScale);

    public int Clients(int count) => Math.Max(1, (int)Math.Round(count * RateScale));
}
