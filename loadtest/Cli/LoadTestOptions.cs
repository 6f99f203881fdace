namespace Terminator.LoadTest.Cli;

/// <summary>The parsed command line (see <see cref="LoadTestCommandLine.Usage"/>).</summary>
internal sealed record LoadTestOptions
{
    /// <summary>Plan names in the order to run them (<c>all</c> expanded).</summary>
    public IReadOnlyList<string> Scenarios { get; init; } = ["smoke"];

    /// <summary>Measured time of each plan; null: 20 s for smoke, 30 s otherwise.</summary>
    public TimeSpan? Duration { get; init; }

    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(3);

    public double RateScale { get; init; } = 1;

    /// <summary><c>demo</c>, or host:port of a deployed node.</summary>
    public string Target { get; init; } = "demo";

    public string? NamesFile { get; init; }

    public string? CaFile { get; init; }

    public bool Insecure { get; init; }

    /// <summary><c>--tls-engine</c>: which TLS client the connections use.</summary>
    public Client.TlsEngineKind TlsEngine { get; init; } = Client.TlsEngineKind.OpenSsl;

    public bool BreakUpstream { get; init; }

    /// <summary>Several plans at the same time instead of one after another.</summary>
    public bool Parallel { get; init; }

    /// <summary>Folder to write the reports into; null: a new time-stamped folder under loadtest/results/.</summary>
    public string? Out { get; init; }

    /// <summary>terminator.dll to run for the demo; null: the one built next to this runner.</summary>
    public string? DaemonDll { get; init; }

    /// <summary>Local process to sample CPU/RSS of when the target is remote-looking but local (e.g. a systemd unit).</summary>
    public int? TargetPid { get; init; }

    /// <summary>CPU list to pin the demo to (<c>taskset -c</c>), so a pinned client and the demo do not share cores.</summary>
    public string? DemoCpus { get; init; }

    public bool Help { get; init; }
}
