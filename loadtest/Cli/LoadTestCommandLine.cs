using System.Globalization;
using Terminator.LoadTest.Scenarios;

namespace Terminator.LoadTest.Cli;

/// <summary>
/// <c>--scenario NAME[,NAME...]|all</c>, <c>--duration 30s</c>, <c>--target demo|HOST:PORT</c> and the rest. A mistake
/// is one line naming the option, then the usage, exit code 2; nothing starts.
/// </summary>
internal static class LoadTestCommandLine
{
    public const int UsageError = 2;

    public const string Usage = """
        Usage: dotnet run -c Release --project loadtest -- [options]

          --scenario NAMES     comma-separated, run one after another: smoke, clicks, opens-via-image-proxy,
                               link-scanner-burst, returning-clients, slow-and-bad-clients,
                               upstream-flap (demo only), cert-churn (demo only), or all            [smoke]
          --duration TIME      measured time of each scenario, e.g. 30s, 2m        [20s for smoke, 30s otherwise]
          --warmup TIME        load before measuring, not recorded                                  [3s]
          --rate-scale X       multiply every rate and client count                                 [1]
          --parallel           run the scenarios at the same time instead of one after another
          --target T           demo (start terminator demo as a child process) or HOST:PORT         [demo]
          --names FILE         names the target serves, one per line (*.x.y allowed); required for HOST:PORT
          --ca FILE            PEM roots to verify the target's certificates against              [system roots]
          --insecure           do not verify certificates (printed in every report)
          --tls-engine E       the client's TLS: openssl (OpenSSL directly, cheaper per new connection) or
                               sslstream (.NET's SslStream); both verify the same way                  [openssl]
          --break-upstream     demo only: point the demo at a dead upstream (the smoke must then fail)
          --demo-cpus LIST     demo only: pin the demo to these CPUs (taskset -c LIST); also the daemon and
                               the terminator certs commands of cert-churn
          --target-pid PID     sample this local process's CPU and RSS (the demo's is sampled anyway)
          --daemon FILE        terminator.dll for the demo                       [the one built with this runner]
          --out DIR            report folder (report.md, report.json, report.html)  [loadtest/results/<time>]

        Exit codes: 0 every threshold met, 1 a threshold violated (named on stderr), 2 usage, 3 target failed.
        """;

    public static readonly string[] AllScenarios =
    [
        ClicksScenario.Name, OpensViaImageProxyScenario.Name, LinkScannerBurstScenario.Name,
        ReturningClientsScenario.Name, SlowAndBadClientsScenario.Name, Scenarios.Flap.UpstreamFlapScenario.Name,
        Scenarios.Churn.CertChurnScenario.Name,
    ];

    /// <summary>Scenarios that start a target of their own next to what the runner owns (an origin to restart, a
    /// certificate store to change): only with <c>--target demo</c>.</summary>
    public static readonly string[] OwnTargetScenarios = [Scenarios.Flap.UpstreamFlapScenario.Name, Scenarios.Churn.CertChurnScenario.Name];

    /// <summary>Parses <paramref name="args"/>; on a mistake returns null with <paramref name="error"/> set.</summary>
    public static LoadTestOptions? TryParse(string[] args, out string? error)
    {
        error = null;
        var options = new LoadTestOptions();
        bool allRequested = false;
        bool explicitOwnTarget = false;
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            if (option is "--help" or "-h")
            {
                return options with { Help = true };
            }

            if (option is "--insecure" or "--break-upstream" or "--parallel")
            {
                options = option switch
                {
                    "--insecure" => options with { Insecure = true },
                    "--break-upstream" => options with { BreakUpstream = true },
                    _ => options with { Parallel = true },
                };
                continue;
            }

            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                error = option.StartsWith("--", StringComparison.Ordinal) && IsKnown(option) ? $"{option}: missing value" : $"{option}: unknown option";
                return null;
            }

            string value = args[++i];
            switch (option)
            {
                case "--scenario":
                    var names = new List<string>();
                    foreach (string name in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (name == "all")
                        {
                            names.AddRange(AllScenarios);
                            allRequested = true;
                        }
                        else if (name == SmokeScenario.Name || Array.IndexOf(AllScenarios, name) >= 0)
                        {
                            names.Add(name);
                            explicitOwnTarget |= Array.IndexOf(OwnTargetScenarios, name) >= 0;
                        }
                        else
                        {
                            error = $"--scenario: unknown scenario '{name}'";
                            return null;
                        }
                    }

                    options = options with { Scenarios = names };
                    break;
                case "--duration" or "--warmup":
                    if (!TryParseTime(value, out TimeSpan time) || (option == "--duration" && time < TimeSpan.FromSeconds(1)))
                    {
                        error = $"{option}: '{value}' is not a time like 30s, 2m or 500ms{(option == "--duration" ? " of at least 1s" : "")}";
                        return null;
                    }

                    options = option == "--duration" ? options with { Duration = time } : options with { WarmUp = time };
                    break;
                case "--rate-scale":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double scale) || scale <= 0 || scale > 1000)
                    {
                        error = $"--rate-scale: '{value}' is not a number in (0, 1000]";
                        return null;
                    }

                    options = options with { RateScale = scale };
                    break;
                case "--target":
                    options = options with { Target = value };
                    break;
                case "--names":
                    options = options with { NamesFile = value };
                    break;
                case "--ca":
                    options = options with { CaFile = value };
                    break;
                case "--out":
                    options = options with { Out = value };
                    break;
                case "--demo-cpus":
                    options = options with { DemoCpus = value };
                    break;
                case "--daemon":
                    options = options with { DaemonDll = value };
                    break;
                case "--tls-engine":
                    if (value is not ("openssl" or "sslstream"))
                    {
                        error = $"--tls-engine: '{value}' is neither openssl nor sslstream";
                        return null;
                    }

                    options = options with { TlsEngine = value == "openssl" ? Client.TlsEngineKind.OpenSsl : Client.TlsEngineKind.SslStream };
                    break;
                case "--target-pid":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid <= 0)
                    {
                        error = $"--target-pid: '{value}' is not a process id";
                        return null;
                    }

                    options = options with { TargetPid = pid };
                    break;
                default:
                    error = $"{option}: unknown option";
                    return null;
            }
        }

        // A deployed node's origin and store are not the runner's to change: "all" there means every scenario that can run.
        if (options.Target != "demo" && allRequested && !explicitOwnTarget)
        {
            options = options with { Scenarios = [.. options.Scenarios.Where(static n => Array.IndexOf(OwnTargetScenarios, n) < 0)] };
        }

        error = Validate(options);
        return error is null ? options : null;
    }

    private static string? Validate(LoadTestOptions options)
    {
        bool demo = options.Target == "demo";
        if (!demo && !System.Net.IPEndPoint.TryParse(options.Target, out _) && !options.Target.Contains(':', StringComparison.Ordinal))
        {
            return $"--target: '{options.Target}' is neither demo nor HOST:PORT";
        }

        if (!demo && options.NamesFile is null)
        {
            return "--names: required with --target HOST:PORT (the names the node serves, one per line)";
        }

        if (demo && (options.NamesFile is not null || options.CaFile is not null))
        {
            return "--names/--ca: only with --target HOST:PORT (the demo brings its own)";
        }

        if (!demo && options.Scenarios.Contains(Scenarios.Flap.UpstreamFlapScenario.Name))
        {
            return $"--scenario: {Scenarios.Flap.UpstreamFlapScenario.Name} only with --target demo (the runner owns and restarts the upstream)";
        }

        if (!demo && options.Scenarios.Contains(Scenarios.Churn.CertChurnScenario.Name))
        {
            return $"--scenario: {Scenarios.Churn.CertChurnScenario.Name} only with --target demo (the runner starts its own daemon on a certificate store it changes)";
        }

        if (!demo && (options.BreakUpstream || options.DemoCpus is not null))
        {
            return $"{(options.BreakUpstream ? "--break-upstream" : "--demo-cpus")}: only with --target demo";
        }

        return null;
    }

    private static bool IsKnown(string option) => option is "--scenario" or "--duration" or "--warmup" or "--rate-scale" or "--target"
        or "--names" or "--ca" or "--out" or "--daemon" or "--target-pid" or "--demo-cpus" or "--tls-engine";

    /// <summary>"30s", "2m", "500ms", "1.5s", or plain seconds.</summary>
    public static bool TryParseTime(string text, out TimeSpan time)
    {
        time = default;
        (string number, double unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1)
            : text.EndsWith('m') ? (text[..^1], 60)
            : (text, 1);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value < 0 || value > 86_400 / unit)
        {
            return false;
        }

        time = TimeSpan.FromSeconds(value * unit);
        return true;
    }
}
