using Terminator.LoadTest.Target;

namespace Terminator.LoadTest.Scenarios;

/// <summary>What every scenario factory gets: the target, the measured duration, the warm-up, and a factor applied to
/// every rate and client count (<c>--rate-scale</c>: 0.5 halves the load, 4 quadruples it).</summary>
internal sealed record ScenarioSettings(TargetInfo? RunTarget, TimeSpan Duration, TimeSpan WarmUp, double RateScale)
{
    /// <summary>The run's target; absent only when every plan brings its own (a run of upstream-flap alone starts no
    /// shared demo).</summary>
    public TargetInfo Target => RunTarget ?? throw new InvalidOperationException("no shared target was started for this run");

    /// <summary>Per request: a tracking hit that takes longer than this is a failure, not a latency.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Starts another demo in front of the given upstream (<c>--target demo</c> only; null for a deployed node).</summary>
    public Func<System.Net.IPEndPoint, CancellationToken, Task<DemoTarget>>? StartDemo { get; init; }

    /// <summary>terminator.dll, for scenarios that run the real daemon and its commands (<c>--target demo</c> only).</summary>
    public string? DaemonDll { get; init; }

    /// <summary><c>--demo-cpus</c>: where those processes are pinned.</summary>
    public string? DaemonCpus { get; init; }

    public bool Insecure { get; init; }

    /// <summary><c>--tls-engine</c>, for the targets scenarios start themselves.</summary>
    public Client.TlsEngineKind TlsEngine { get; init; } = Client.TlsEngineKind.OpenSsl;

    public double Rate(double perSecond) => Math.Max(0.5, perSecond * RateScale);

    public int Clients(int count) => Math.Max(1, (int)Math.Round(count * RateScale));
}
