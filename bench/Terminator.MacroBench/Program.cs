using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Terminator.Certificates;
using Terminator.Samples.Certificates;

namespace Terminator.MacroBench;

/// <summary>
/// Side-by-side macro benchmark: Terminator, nginx and HAProxy terminate TLS for the same N certificates in front of the
/// same upstream, one at a time, pinned to CPU 0; this process (the load) and the upstream run on CPU 1. The figure that
/// counts is each terminator's own CPU time per request and per handshake, read from /proc before and after each step.
/// Run through bench/macro.sh.
/// </summary>
internal static class Program
{
    private const int TerminatorPort = 19443;
    private const int UpstreamPort = 19080;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 4 && args[0] == "floor-server")
        {
            return await SslStreamFloorServer.RunAsync(args);
        }

        if (args.Length == 5 && args[0] == "load")
        {
            return await LoadOnlyAsync(args);
        }

        var options = BenchOptions.Parse(args);
        Directory.CreateDirectory(options.WorkDirectory);
        Console.WriteLine($"generating {options.Certificates:N0} ECDSA P-256 certificates in {options.WorkDirectory} ...");
        var clock = Stopwatch.StartNew();
        BenchLayout layout = BenchLayout.Create(options.WorkDirectory, options.Certificates);
        Console.WriteLine($"  done in {clock.Elapsed.TotalSeconds:0.0} s");

        Process upstream = UpstreamOrigin.Start(layout, UpstreamPort);
        var results = new List<(int Run, Measurement Row)>();
        try
        {
            await Task.Delay(300);
            var contenders = new List<Contender>();
            foreach (string name in options.Only)
            {
                contenders.Add(name switch
                {
                    "terminator" => new TerminatorContender(options.TerminatorDll, options.TerminatorEnvironment, options.TerminatorSource == "store"),
                    "nginx" => new NginxContender(),
                    "haproxy" => new HaproxyContender(),
                    "floor" => new SslStreamFloorContender(),
                    _ => throw new ArgumentException($"unknown contender {name}"),
                });
            }

            for (int run = 1; run <= options.Runs; run++)
            {
                foreach (Contender contender in contenders)
                {
                    Console.WriteLine($"run {run}: {contender.Name}");
                    try
                    {
                        Measurement row = await MeasureAsync(contender, layout, options);
                        Console.WriteLine("  " + row);
                        results.Add((run, row));
                    }
                    catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or IOException)
                    {
                        // One peer failing (a missing package, a config it rejects) must not lose the others' figures.
                        Console.WriteLine($"  {contender.Name} failed: {ex.Message}");
                    }
                }
            }
        }
        finally
        {
            Contender.Stop(upstream);
        }

        string markdown = Report.Render(results, options, layout);
        Directory.CreateDirectory(Path.GetDirectoryName(options.Output)!);
        await File.WriteAllTextAsync(options.Output, markdown);
        Console.WriteLine();
        Console.WriteLine(markdown);
        Console.WriteLine($"written to {options.Output}");
        return 0;
    }

    /// <summary>
    /// One load step against a terminator someone else started, for profiling it (perf, dotnet-trace):
    /// <c>load keepalive|full|resumed PORT NAMES SECONDS</c>, names being the benchmark's first NAMES names.
    /// </summary>
    private static async Task<int> LoadOnlyAsync(string[] args)
    {
        var target = new IPEndPoint(IPAddress.Loopback, int.Parse(args[2], CultureInfo.InvariantCulture));
        string[] names = Enumerable.Range(0, int.Parse(args[3], CultureInfo.InvariantCulture)).Select(BenchLayout.NameOf).ToArray();
        var duration = TimeSpan.FromSeconds(double.Parse(args[4], CultureInfo.InvariantCulture));
        var clock = Stopwatch.StartNew();
        LatencyRecorder recorder = args[1] switch
        {
            "keepalive" => await LoadClient.KeepAliveAsync(target, names, "/f/c1ick?target=https%3A%2F%2Fexample.org%2F", 64, duration),
            "full" => await LoadClient.HandshakesAsync(target, names, 16, duration, allowResume: false),
            "resumed" => await LoadClient.HandshakesAsync(target, names[..Math.Min(64, names.Length)], 16, duration, allowResume: true),
            _ => throw new ArgumentException("mode is keepalive, full or resumed"),
        };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{args[1]}: {recorder.Count} ok, {recorder.Errors} errors, {recorder.Count / clock.Elapsed.TotalSeconds:0}/s, p50 {recorder.Percentile(50) / 1000:0.00} ms"));
        return 0;
    }

    private static async Task<Measurement> MeasureAsync(Contender contender, BenchLayout layout, BenchOptions options)
    {
        var target = new IPEndPoint(IPAddress.Loopback, TerminatorPort);
        var row = new Measurement { Name = contender.Name };
        contender.Prepare(layout);
        var clock = Stopwatch.StartNew();
        Process process = contender.Start(layout, TerminatorPort, UpstreamPort);
        try
        {
            // :: start-up until the LAST certificate is served
            string last = layout.Names[^1];
            using (var startup = new CancellationTokenSource(TimeSpan.FromSeconds(180)))
            {
                while (!await LoadClient.ProbeAsync(target, last, startup.Token))
                {
                    if (process.HasExited) throw new InvalidOperationException($"{contender.Name} exited with {process.ExitCode}; see {layout.Root}/*.log");
                    startup.Token.ThrowIfCancellationRequested();
                    await Task.Delay(20);
                }
            }

            row.ReadySeconds = clock.Elapsed.TotalSeconds;
            row.RssAfterStartMiB = ProcessStats.RssMiB(process.Id);

            // :: keep-alive clicks, after 10 s of the same load for every contender: what an edge node does all day is
            //    steady state, and a JIT-compiled process needs seconds on one core to get there (with 3 s the same
            //    Terminator build measured 23.7-35.8 µs/request run to run; after 20 s of load, 23.3-23.8)
            await LoadClient.KeepAliveAsync(target, layout.Names, "/f/warmup?target=https%3A%2F%2Fexample.org%2F", options.KeepAliveConnections, TimeSpan.FromSeconds(10));
            (row.KeepAlive, row.KeepAliveCpuMicros) = await Step(process, () =>
                LoadClient.KeepAliveAsync(target, layout.Names, "/f/c1ick?target=https%3A%2F%2Fexample.org%2F", options.KeepAliveConnections, options.Duration));

            // :: first handshake for every name, once (Terminator builds each context on first use, within its bounded
            //    cache; the peers built all of them at start-up). Reported on its own, so the next step is steady state.
            (row.FirstTouch, row.FirstTouchCpuMicros) = await Step(process, () =>
                LoadClient.TouchEveryNameAsync(target, layout.Names, options.HandshakeConcurrency, TimeSpan.FromSeconds(300)));

            // :: full handshakes: one request per connection, SNI spread over all names, no resumption
            (row.Full, row.FullCpuMicros) = await Step(process, () =>
                LoadClient.HandshakesAsync(target, layout.Names, options.HandshakeConcurrency, options.Duration, allowResume: false));

            // :: resumed handshakes: same, resumption allowed, over a small set of names so sessions are cached
            string[] few = layout.Names[..Math.Min(64, layout.Names.Length)];
            await LoadClient.HandshakesAsync(target, few, options.HandshakeConcurrency, TimeSpan.FromSeconds(1), allowResume: true);
            (row.Resumed, row.ResumedCpuMicros) = await Step(process, () =>
                LoadClient.HandshakesAsync(target, few, options.HandshakeConcurrency, options.Duration, allowResume: true));

            row.RssAfterLoadMiB = ProcessStats.RssMiB(process.Id);
            if (!contender.ServesNewCertificates)
            {
                row.NewCertificateSeconds = double.NaN;
                return row;
            }

            // :: a new certificate file until it is served (with the terminator's own reload mechanism)
            string added = $"new{Environment.TickCount64 % 100000:D5}.{contender.Name.ToLowerInvariant()}.bench.test";
            IssuedCertificate issued = layout.Authority!.Issue([added]);
            // The clock starts before the certificate lands: a terminator that watches its folder starts reacting at once.
            var added_clock = Stopwatch.StartNew();
            contender.Add(layout, added, issued);
            if (contender is NginxContender)
            {
                // nginx reads server blocks from its assembled file, so the new block must be appended there.
                File.AppendAllText(Path.Combine(layout.Root, "nginx-servers-" + TerminatorPort, "all.conf"),
                    NginxContender.ServerBlock(layout, added).Replace("__PORT__", TerminatorPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
            }

            contender.Reload(process);
            using (var reload = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
            {
                while (!await LoadClient.ProbeAsync(target, added, reload.Token) && !reload.IsCancellationRequested)
                {
                    await Task.Delay(10);
                }
            }

            row.NewCertificateSeconds = added_clock.Elapsed.TotalSeconds;
        }
        finally
        {
            Contender.Stop(process);
        }

        return row;
    }

    private static async Task<(StepResult, double)> Step(Process process, Func<Task<LatencyRecorder>> load)
    {
        double cpuBefore = ProcessStats.CpuSeconds(process.Id);
        var clock = Stopwatch.StartNew();
        LatencyRecorder recorder = await load();
        double seconds = clock.Elapsed.TotalSeconds;
        double cpu = ProcessStats.CpuSeconds(process.Id) - cpuBefore;
        var result = new StepResult(recorder.Count / seconds, recorder.Percentile(50) / 1000, recorder.Percentile(99) / 1000, recorder.Errors, recorder.Count);
        return (result, recorder.Count == 0 ? double.NaN : cpu * 1e6 / recorder.Count);
    }
}

internal sealed record StepResult(double PerSecond, double P50Ms, double P99Ms, long Errors, long Count);

internal sealed class Measurement
{
    public string Name { get; init; } = "";
    public double ReadySeconds { get; set; }
    public double RssAfterStartMiB { get; set; }
    public double RssAfterLoadMiB { get; set; }
    public StepResult KeepAlive { get; set; } = new(0, 0, 0, 0, 0);
    public StepResult FirstTouch { get; set; } = new(0, 0, 0, 0, 0);
    public double FirstTouchCpuMicros { get; set; }
    public double KeepAliveCpuMicros { get; set; }
    public StepResult Full { get; set; } = new(0, 0, 0, 0, 0);
    public double FullCpuMicros { get; set; }
    public StepResult Resumed { get; set; } = new(0, 0, 0, 0, 0);
    public double ResumedCpuMicros { get; set; }
    public double NewCertificateSeconds { get; set; }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"ready {ReadySeconds:0.00}s rss {RssAfterStartMiB:0}/{RssAfterLoadMiB:0} MiB | keep-alive {KeepAlive.PerSecond:0}/s {KeepAliveCpuMicros:0.0}us p99 {KeepAlive.P99Ms:0.00}ms err {KeepAlive.Errors} | first hs per name {FirstTouch.Count} in {FirstTouch.Count / Math.Max(FirstTouch.PerSecond, 1e-9):0.0}s {FirstTouchCpuMicros:0}us | full {Full.PerSecond:0}/s {FullCpuMicros:0}us | resumed {Resumed.PerSecond:0}/s {ResumedCpuMicros:0}us | new cert {NewCertificateSeconds:0.000}s");
}

internal sealed class BenchOptions
{
    public int Certificates { get; private set; } = 10_000;
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);
    public int Runs { get; private set; } = 2;
    public int KeepAliveConnections { get; private set; } = 64;
    public int HandshakeConcurrency { get; private set; } = 16;
    public string WorkDirectory { get; private set; } = Path.Combine(Path.GetTempPath(), "terminator-macrobench");
    public string TerminatorDll { get; private set; } = "";
    public string Output { get; private set; } = "";
    public string[] Only { get; private set; } = ["terminator", "nginx", "haproxy"];
    public string CommandLine { get; private set; } = "";
    /// <summary>Where Terminator reads certificates: "store" (encrypted store, imported before start-up) or "pem"
    /// (the peers' PEM folder) (--terminator-source).</summary>
    public string TerminatorSource { get; private set; } = "store";

    /// <summary>Extra environment for the Terminator process only (--terminator-env NAME=VALUE, repeatable).</summary>
    public Dictionary<string, string> TerminatorEnvironment { get; } = [];

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions { CommandLine = string.Join(' ', args) };
        for (int i = 0; i < args.Length; i += 2)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--certs": o.Certificates = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--duration": o.Duration = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)); break;
                case "--runs": o.Runs = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--connections": o.KeepAliveConnections = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--handshake-concurrency": o.HandshakeConcurrency = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--workdir": o.WorkDirectory = value; break;
                case "--terminator": o.TerminatorDll = value; break;
                case "--out": o.Output = value; break;
                case "--only": o.Only = value.Split(','); break;
                case "--terminator-source" when value is "store" or "pem": o.TerminatorSource = value; break;
                case "--terminator-env": o.TerminatorEnvironment[value[..value.IndexOf('=', StringComparison.Ordinal)]] = value[(value.IndexOf('=', StringComparison.Ordinal) + 1)..]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        if (o.Output.Length == 0) throw new ArgumentException("--out is required");
        if (o.Only.Contains("terminator") && !File.Exists(o.TerminatorDll)) throw new ArgumentException("--terminator must point at terminator.dll");
        return o;
    }
}
