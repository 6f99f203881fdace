using System.Net;
using System.Security.Cryptography.X509Certificates;
using Terminator.LoadTest.Cli;
using Terminator.LoadTest.Client;
using Terminator.LoadTest.Engine;
using Terminator.LoadTest.Reporting;
using Terminator.LoadTest.Scenarios;
using Terminator.LoadTest.Scenarios.Flap;
using Terminator.LoadTest.Target;

namespace Terminator.LoadTest;

/// <summary>
/// <c>dotnet run -c Release --project loadtest -- --scenario all --duration 30s</c>: starts (or finds) the target,
/// runs each plan through the engine, writes report.md, report.json and report.html, and exits 1 naming every
/// violated threshold.
/// </summary>
internal static class Program
{
    private const int TargetFailed = 3;

    public static async Task<int> Main(string[] args)
    {
        LoadTestOptions? options = LoadTestCommandLine.TryParse(args, out string? error);
        if (options is null)
        {
            await Console.Error.WriteLineAsync($"Terminator.LoadTest: {error}\n\n{LoadTestCommandLine.Usage}").ConfigureAwait(false);
            return LoadTestCommandLine.UsageError;
        }

        if (options.Help)
        {
            Console.WriteLine(LoadTestCommandLine.Usage);
            return 0;
        }

        if (options.TlsEngine == TlsEngineKind.OpenSsl)
        {
            InlineSocketCompletions.Enable();   // before the first socket
            Client.OpenSsl.LegacyEcKeys.Enabled = true;              // OpenSSL's built-in EC code: ~150 µs less per click
            Client.OpenSsl.LegacyEcKeys.IncludeKeyExchange = true;   // this process serves no TLS: its targets are others
        }

        // Pinned to one core (taskset -c 1, as documented) the thread pool starts with one worker and the client's
        // handshakes starve it (part of the TLS client path blocks a worker; the pool then adds threads slowly).
        // Measured on the 2-core dev box, clicks at 100/s pinned: p99 2.4 s with the default pool, 70 ms with this.
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), completionPorts);

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        DemoTarget? demo = null;
        TargetInfo? target = null;
        Func<IPEndPoint, CancellationToken, Task<DemoTarget>>? startDemo = null;
        string? daemonDll = null;
        try
        {
            if (options.Target == "demo")
            {
                string? dll = options.DaemonDll ?? RepositoryLayout.DaemonDll();
                if (dll is null || !File.Exists(dll))
                {
                    await Console.Error.WriteLineAsync($"Terminator.LoadTest: --daemon: terminator.dll not found ({dll ?? "not in a checkout"}); build the solution or pass --daemon").ConfigureAwait(false);
                    return TargetFailed;
                }

                startDemo = (upstream, token) => DemoTarget.StartAsync(dll, upstream, options.Insecure, options.TlsEngine, options.DemoCpus, token);
                daemonDll = dll;
                // upstream-flap and cert-churn bring their own target (in front of the origin it restarts, on the store it
                // changes): alone they need no shared demo.
                if (options.Scenarios.Any(static name => Array.IndexOf(LoadTestCommandLine.OwnTargetScenarios, name) < 0))
                {
                    demo = await DemoTarget.StartAsync(dll, options.BreakUpstream ? DemoTarget.DeadUpstream() : null, options.Insecure, options.TlsEngine, options.DemoCpus, cancel.Token).ConfigureAwait(false);
                    target = demo.Info;
                }
            }
            else
            {
                target = await RemoteTargetAsync(options, cancel.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsTargetFailure(ex))
        {
            await Console.Error.WriteLineAsync($"Terminator.LoadTest: target: {ex.Message}").ConfigureAwait(false);
            return TargetFailed;
        }

        await using (demo)
        {
            return await RunAsync(options, target, startDemo, daemonDll, args, cancel.Token).ConfigureAwait(false);
        }
    }

    private static string TlsEngineName(TlsEngineKind engine) => engine == TlsEngineKind.OpenSsl ? "openssl" : "sslstream";

    private static bool IsTargetFailure(Exception ex) =>
        ex is IOException or InvalidOperationException or InvalidDataException or System.Net.Sockets.SocketException
            or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException;

    private static async Task<int> RunAsync(LoadTestOptions options, TargetInfo? target, Func<IPEndPoint, CancellationToken, Task<DemoTarget>>? startDemo,
        string? daemonDll, string[] args, CancellationToken cancellationToken)
    {
        if (target is not null)
        {
            Console.WriteLine($"target: {target.Description}; {target.Names.Configured.Count} names ({target.Names.Count} SNIs); certificate verification {(target.Tls.Insecure ? "OFF (--insecure)" : "on")}; TLS client {TlsEngineName(options.TlsEngine)}");
        }

        var started = DateTimeOffset.UtcNow;
        // Through the seam on purpose: an NBomber-backed IScenarioEngine is meant to drop in here.
#pragma warning disable CA1859
        IScenarioEngine engine = new ScenarioEngine();
#pragma warning restore CA1859
        var plans = new List<PlanReport>();
        string? targetDescription = target?.Description;
        bool interactive = !Console.IsOutputRedirected;
        foreach (IReadOnlyList<string> group in Groups(options))
        {
            var settingsPlans = new List<ScenarioPlan>();
            try
            {
                foreach (string name in group)
                {
                    TimeSpan duration = options.Duration ?? TimeSpan.FromSeconds(name == SmokeScenario.Name ? 20 : 30);
                    var settings = new ScenarioSettings(target, duration, options.WarmUp, options.RateScale)
                    {
                        StartDemo = startDemo,
                        DaemonDll = daemonDll,
                        DaemonCpus = options.DemoCpus,
                        Insecure = options.Insecure,
                        TlsEngine = options.TlsEngine,
                    };
                    settingsPlans.Add(await ScenarioCatalog.CreateAsync(name, settings, cancellationToken).ConfigureAwait(false));
                }
            }
            catch (Exception ex) when (IsTargetFailure(ex))
            {
                await DisposeOwnedAsync(settingsPlans).ConfigureAwait(false);
                await Console.Error.WriteLineAsync($"Terminator.LoadTest: target: {ex.Message}").ConfigureAwait(false);
                return TargetFailed;
            }

            ScenarioPlan plan = settingsPlans.Count == 1
                ? settingsPlans[0]
                : new ScenarioPlan(string.Join(" + ", group), "Run at the same time: " + string.Join(" ", settingsPlans.Select(static p => p.Description)), [.. settingsPlans.SelectMany(static p => p.Scenarios)]);
            Console.WriteLine($"{plan.Name}: {plan.Description}");
            TargetInfo? sampled = plan.Target ?? target ?? settingsPlans.Select(static p => p.Target).FirstOrDefault(static t => t is not null);
            targetDescription ??= sampled?.Description;
            var observer = new RunObserver(plan.Name, options.TargetPid ?? sampled?.ProcessId, Console.Out, interactive);
            IReadOnlyList<ScenarioResult> results;
            try
            {
                results = await engine.RunAsync(plan.Scenarios, observer, cancellationToken).ConfigureAwait(false);
                observer.Finish();
            }
            finally
            {
                await DisposeOwnedAsync(settingsPlans).ConfigureAwait(false);
            }

            var notes = new List<string>();
            foreach (ScenarioPlan part in settingsPlans)
            {
                if (part.Afterword is not null)
                {
                    notes.Add(part.Afterword());
                }
            }

            plans.Add(new PlanReport(plan.Name, plan.Description, results, observer.MeasuredSeconds, observer.ClientCpuSeconds, observer.TargetSamples, observer.TargetCpuSeconds)
            {
                Notes = notes,
            });
            foreach (ScenarioResult result in results)
            {
                Console.WriteLine(Summary(result));
            }

            foreach (string note in notes)
            {
                Console.WriteLine(note);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        var report = new RunReport("dotnet run -c Release --project loadtest -- " + string.Join(' ', args), targetDescription ?? "none", options.Insecure,
            RunReport.DescribeMachine(), started, plans)
        {
            TlsClient = TlsEngineName(options.TlsEngine),
        };
        string folder = options.Out ?? Path.Combine(RepositoryLayout.DefaultResultsFolder(), started.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.md"), MarkdownReportWriter.Write(report), CancellationToken.None).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.json"), JsonReportWriter.Write(report), CancellationToken.None).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.html"), HtmlReportWriter.Write(report), CancellationToken.None).ConfigureAwait(false);
        Console.WriteLine($"reports: {Path.Combine(folder, "report.md")}, report.json, report.html");

        if (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("interrupted: the reports cover what ran").ConfigureAwait(false);
            return 130;
        }

        bool passed = true;
        foreach (PlanReport plan in plans)
        {
            foreach (ScenarioResult scenario in plan.Scenarios)
            {
                foreach (ThresholdResult threshold in scenario.Thresholds)
                {
                    if (!threshold.Passed)
                    {
                        passed = false;
                        await Console.Error.WriteLineAsync($"threshold violated: {threshold}").ConfigureAwait(false);
                    }
                }
            }
        }

        Console.WriteLine(passed ? "every threshold met" : "THRESHOLD VIOLATED");
        return passed ? 0 : 1;
    }

    private static async Task DisposeOwnedAsync(List<ScenarioPlan> plans)
    {
        foreach (ScenarioPlan plan in plans)
        {
            foreach (IAsyncDisposable owned in plan.Owned)
            {
                await owned.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>One group per plan in order, or one group of all of them with <c>--parallel</c>.</summary>
    private static IEnumerable<IReadOnlyList<string>> Groups(LoadTestOptions options)
    {
        if (options.Parallel)
        {
            yield return options.Scenarios;
            yield break;
        }

        foreach (string name in options.Scenarios)
        {
            yield return [name];
        }
    }

    private static string Summary(ScenarioResult result)
    {
        ScenarioStats s = result.Stats;
        string status = result.Definition.IsBackground ? "background" : result.Passed ? "pass" : "FAIL";
        return $"  {result.Definition.Name}: {Figures.F(s.RequestsPerSecond)} req/s, {Figures.F(s.HandshakesPerSecond)} handshakes/s, " +
            $"p50 {Figures.F(s.Latency.P50Ms, "0.00")} p99 {Figures.F(s.Latency.P99Ms, "0.00")} max {Figures.F(s.Latency.MaxMs, "0.00")} ms, " +
            $"errors {s.Errors} ({Figures.F(s.ErrorPercent, "0.##")}%) [{status}]";
    }

    private static async Task<TargetInfo> RemoteTargetAsync(LoadTestOptions options, CancellationToken cancellationToken)
    {
        int colon = options.Target.LastIndexOf(':');
        string host = options.Target[..colon].Trim('[', ']');
        if (!int.TryParse(options.Target[(colon + 1)..], out int port) || port is <= 0 or > 65535)
        {
            throw new InvalidDataException($"--target: '{options.Target}' has no valid port");
        }

        IPAddress address = IPAddress.TryParse(host, out IPAddress? literal)
            ? literal
            : (await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false))[0];
        X509Certificate2Collection? roots = null;
        if (options.CaFile is not null)
        {
            roots = [];
            roots.ImportFromPemFile(options.CaFile);
        }

        NameSet names = NameSet.Load(options.NamesFile!);
        var endPoint = new IPEndPoint(address, port);
        return new TargetInfo($"{options.Target} ({endPoint})", endPoint, names, new TlsSettings(roots, options.Insecure, options.TlsEngine), options.TargetPid);
    }
}
