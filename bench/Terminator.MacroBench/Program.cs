using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
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

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 4 && args[0] == "floor-server")
        {
            return await SslStreamFloorServer.RunAsync(args);
        }

        if (BenchOptions.WantsHelp(args))
        {
            Console.Out.Write(BenchOptions.Usage);
            return 0;
        }

        if (args.Length > 0 && args[0] == "load")
        {
            return TryParseLoadStep(args, out LoadStep? step, out string? loadError) ? await LoadOnlyAsync(step) : UsageError(loadError);
        }

        if (!BenchOptions.TryParse(args, out BenchOptions? options, out string? error))
        {
            return UsageError(error);
        }

        if (options.IdleConnections > 0)
        {
            // The client's own sockets: the idle ones plus the load steps' and some slack.
            long limit = FileDescriptorLimit.Ensure(options.IdleConnections + 1024);
            if (limit >= 0 && limit < options.IdleConnections + 256)
            {
                return UsageError($"--idle-connections {options.IdleConnections} needs about {options.IdleConnections + 256} file descriptors but RLIMIT_NOFILE is {limit}: raise `ulimit -n` (hard limit) or lower --idle-connections (0 skips the step)");
            }
        }

        Directory.CreateDirectory(options.WorkDirectory);
        Console.WriteLine($"generating {options.Certificates:N0} ECDSA P-256 certificates in {options.WorkDirectory} ...");
        var clock = Stopwatch.StartNew();
        BenchLayout layout = BenchLayout.Create(options.WorkDirectory, options.Certificates);
        Console.WriteLine($"  done in {clock.Elapsed.TotalSeconds:0.0} s");

        Process upstream = UpstreamOrigin.Start(layout, options.UpstreamPort);
        var results = new List<(int Run, Measurement Row)>();
        try
        {
            await Task.Delay(300);
            var contenders = new List<Contender>();
            foreach (string name in options.Only)
            {
                contenders.Add(name switch
                {
                    "terminator" => new TerminatorContender(options.TerminatorDll, options.TerminatorEnvironment, options.TerminatorSource == "store", options.AdminPort),
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

    /// <summary>A command-line mistake: one line saying what is wrong, then the usage, on stderr; exit code 2.</summary>
    private static int UsageError(string error)
    {
        Console.Error.WriteLine($"Terminator.MacroBench: {error}");
        Console.Error.WriteLine();
        Console.Error.Write(BenchOptions.Usage);
        return 2;
    }

    /// <summary><c>load keepalive|keepalive-unique|keepalive-paced|full|resumed|touch PORT NAMES SECONDS</c>.</summary>
    private static bool TryParseLoadStep(string[] args, [NotNullWhen(true)] out LoadStep? step, [NotNullWhen(false)] out string? error)
    {
        step = null;
        int port = 0, names = 0;
        double seconds = 0;
        error = args.Length is not (5 or 6) ? "load takes keepalive|keepalive-unique|keepalive-paced|full|resumed|touch PORT NAMES SECONDS [NAME_FORMAT]"
            : args[1] is not ("keepalive" or "keepalive-unique" or "keepalive-paced" or "full" or "resumed" or "touch") ? $"load: the mode is keepalive, keepalive-unique, keepalive-paced, full, resumed or touch, not '{args[1]}'"
            : !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535 ? $"load: '{args[2]}' is not a port"
            : !int.TryParse(args[3], NumberStyles.None, CultureInfo.InvariantCulture, out names) || names < 1 ? $"load: NAMES is a whole number above 0, not '{args[3]}'"
            : !double.TryParse(args[4], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out seconds) || seconds <= 0 ? $"load: SECONDS is a number above 0, not '{args[4]}'"
            : args.Length == 6 && !args[5].Contains("{0", StringComparison.Ordinal) ? $"load: NAME_FORMAT is a .NET format with {{0}} for the name's number (d{{0:D7}}.scale.test), not '{args[5]}'"
            : null;
        if (error is null)
        {
            step = new LoadStep(args[1], port, names, TimeSpan.FromSeconds(seconds), args.Length == 6 ? args[5] : null);
        }

        return error is null;
    }

    /// <summary>
    /// One load step against a terminator someone else started, for profiling it (perf, dotnet-trace):
    /// <c>load keepalive|keepalive-unique|keepalive-paced|full|resumed|touch PORT NAMES SECONDS</c>, names being the benchmark's
    /// first NAMES names, or NAME_FORMAT's (<c>d{0:D7}.scale.test</c>: a store bench/scale.sh generated) (keepalive-unique: every request's target distinct, so a micro-cache never hits; keepalive-paced:
    /// the macro's fixed-rate step at its default rate; touch: the macro's "first hs per name" step, one full handshake +
    /// request per name, once, 16 at a time, SECONDS being its time limit).
    /// </summary>
    private static async Task<int> LoadOnlyAsync(LoadStep step)
    {
        var target = new IPEndPoint(IPAddress.Loopback, step.Port);
        string[] names = Enumerable.Range(0, step.Names)
            .Select(i => step.NameFormat is null ? BenchLayout.NameOf(i) : string.Format(CultureInfo.InvariantCulture, step.NameFormat, i))
            .ToArray();
        var clock = Stopwatch.StartNew();
        LatencyRecorder recorder = step.Mode switch
        {
            "keepalive" => await LoadClient.KeepAliveAsync(target, names, "/f/c1ick?target=https%3A%2F%2Fexample.org%2F", 64, step.Duration),
            "keepalive-unique" => await LoadClient.KeepAliveAsync(target, names, "/f/c1ick?target=https%3A%2F%2Fexample.org%2F", 64, step.Duration, uniqueTargets: true),
            "keepalive-paced" => await LoadClient.PacedKeepAliveAsync(target, names, "/f/c1ick?target=https%3A%2F%2Fexample.org%2F", 64, BenchOptions.DefaultPacedRate, step.Duration),
            "full" => await LoadClient.HandshakesAsync(target, names, 16, step.Duration, allowResume: false),
            "touch" => await LoadClient.TouchEveryNameAsync(target, names, 16, step.Duration),
            _ => await LoadClient.HandshakesAsync(target, names[..Math.Min(64, names.Length)], 16, step.Duration, allowResume: true),
        };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{step.Mode}: {recorder.Count} ok, {recorder.Errors} errors, {recorder.Count / clock.Elapsed.TotalSeconds:0}/s, p50 {recorder.Percentile(50) / 1000:0.00} ms, p99 {recorder.Percentile(99) / 1000:0.00} ms, p99.9 {recorder.Percentile(99.9) / 1000:0.00} ms, max {recorder.Max() / 1000:0.00} ms"));
        return 0;
    }

    private static async Task<Measurement> MeasureAsync(Contender contender, BenchLayout layout, BenchOptions options)
    {
        int terminatorPort = options.Port;
        var target = new IPEndPoint(IPAddress.Loopback, terminatorPort);
        var row = new Measurement { Name = contender.Name };
        contender.Prepare(layout);
        var clock = Stopwatch.StartNew();
        Process process = contender.Start(layout, terminatorPort, options.UpstreamPort);
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

            // :: until every certificate's context is built, with nothing else to do: the per-name load cost each
            //    contender pays before a name's first handshake (the peers at start-up; Terminator behind the traffic,
            //    TERMINATOR_CERT_PREWARM); the first-handshake step below then sees what is left
            using (var warm = new CancellationTokenSource(TimeSpan.FromSeconds(300)))
            {
                await contender.WaitUntilWarmAsync(layout, warm.Token);
            }

            row.WarmSeconds = clock.Elapsed.TotalSeconds;
            row.StartCpuMicrosPerName = ProcessStats.CpuSeconds(process.Id) * 1e6 / layout.Names.Length;

            // :: keep-alive clicks, after 10 s of the same load for every contender: what an edge node does all day is
            //    steady state, and a JIT-compiled process needs seconds on one core to get there (with 3 s the same
            //    Terminator build measured 23.7-35.8 µs/request run to run; after 20 s of load, 23.3-23.8)
            await LoadClient.KeepAliveAsync(target, layout.Names, "/f/warmup?target=https%3A%2F%2Fexample.org%2F", options.KeepAliveConnections, TimeSpan.FromSeconds(10));
            (row.KeepAlive, row.KeepAliveCpuMicros) = await Step(process, () =>
                LoadClient.KeepAliveAsync(target, layout.Names, "/f/c1ick?target=https%3A%2F%2Fexample.org%2F", options.KeepAliveConnections, options.Duration));

            // :: keep-alive at a fixed rate below every contender's capacity: the latency tail without saturation
            if (options.PacedRate > 0)
            {
                (row.Paced, row.PacedCpuMicros) = await Step(process, () =>
                    LoadClient.PacedKeepAliveAsync(target, layout.Names, "/f/c1ick?target=https%3A%2F%2Fexample.org%2F", options.KeepAliveConnections, options.PacedRate, options.Duration));
            }

            // :: first handshake for every name, once (the peers built every context at start-up, Terminator after it,
            //    behind the traffic, when they fit in its cache; with TERMINATOR_CERT_PREWARM=off each is built here, on
            //    first use). Reported on its own, so the next step is steady state.
            (row.FirstTouch, row.FirstTouchCpuMicros) = await Step(process, () =>
                LoadClient.TouchEveryNameAsync(target, layout.Names, options.HandshakeConcurrency, TimeSpan.FromSeconds(300)));

            // :: memory with every name warm: read right after each name has completed a handshake (FirstTouch.Errors
            //    says how many did not)
            row.RssWarmMiB = ProcessStats.RssMiB(process.Id);

            // :: full handshakes: one request per connection, SNI spread over all names, no resumption
            (row.Full, row.FullCpuMicros) = await Step(process, () =>
                LoadClient.HandshakesAsync(target, layout.Names, options.HandshakeConcurrency, options.Duration, allowResume: false));

            // :: resumed handshakes: same, resumption allowed, over a small set of names so sessions are cached
            string[] few = layout.Names[..Math.Min(64, layout.Names.Length)];
            await LoadClient.HandshakesAsync(target, few, options.HandshakeConcurrency, TimeSpan.FromSeconds(1), allowResume: true);
            (row.Resumed, row.ResumedCpuMicros) = await Step(process, () =>
                LoadClient.HandshakesAsync(target, few, options.HandshakeConcurrency, options.Duration, allowResume: true));

            row.RssAfterLoadMiB = ProcessStats.RssMiB(process.Id);

            // :: memory per idle TLS keep-alive connection
            if (options.IdleConnections > 0)
            {
                row.Idle = await MeasureIdleConnectionsAsync(process, target, layout, options);
            }

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
                File.AppendAllText(Path.Combine(layout.Root, "nginx-servers-" + terminatorPort, "all.conf"),
                    NginxContender.ServerBlock(layout, added).Replace("__PORT__", terminatorPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
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
            layout.Remove(added);
        }
        finally
        {
            Contender.Stop(process);
        }

        return row;
    }

    /// <summary>
    /// Opens <see cref="BenchOptions.IdleConnections"/> idle TLS keep-alive connections (one request each, then nothing)
    /// and reads the terminator's RSS (all its processes) before and after: (after - before) / connections held is what
    /// one idle connection costs it. The connections are closed again, and the terminator given time to drop them,
    /// before the next step.
    /// </summary>
    private static async Task<IdleResult> MeasureIdleConnectionsAsync(Process process, IPEndPoint target, BenchLayout layout, BenchOptions options)
    {
        // The handshake steps' connections must be gone from the terminator before "before" is read.
        await ServerConnections.WaitForAtMostAsync(target.Port, 0, TimeSpan.FromSeconds(10));
        await Task.Delay(500);
        double before = ProcessStats.RssMiB(process.Id);
        double clientBefore = ProcessStats.OwnRssMiB();
        double cpuBefore = ProcessStats.CpuSeconds(process.Id);
        // 45 s: below the idle timeouts (Terminator 60 s, HAProxy 60 s as configured here, nginx 75 s), so the first
        // connections are still open when the last one is.
        IdleConnectionSet idle = await IdleConnectionSet.OpenAsync(target, layout.Names, options.IdleConnections, options.HandshakeConcurrency, options.IdleRate, TimeSpan.FromSeconds(45));
        try
        {
            // Let the terminator finish with the last responses (and the upstream connections they used) before reading.
            await Task.Delay(1000);
            int held = await idle.StillOpenAsync();
            int serverHeld = ServerConnections.Established(target.Port);
            double after = ProcessStats.RssMiB(process.Id);
            return new IdleResult(
                Requested: options.IdleConnections,
                Held: held,
                ServerHeld: serverHeld,
                Errors: idle.Errors,
                OpenSeconds: idle.OpenTime.TotalSeconds,
                RssBeforeMiB: before,
                RssAfterMiB: after,
                CpuMicrosPerConnection: idle.Opened == 0 ? double.NaN : (ProcessStats.CpuSeconds(process.Id) - cpuBefore) * 1e6 / idle.Opened,
                ClientKiBPerConnection: held == 0 ? double.NaN : (ProcessStats.OwnRssMiB() - clientBefore) * 1024 / held);
        }
        finally
        {
            await idle.DisposeAsync();
            await ServerConnections.WaitForAtMostAsync(target.Port, 0, TimeSpan.FromSeconds(15));
        }
    }

    private static async Task<(StepResult, double)> Step(Process process, Func<Task<LatencyRecorder>> load)
    {
        double cpuBefore = ProcessStats.CpuSeconds(process.Id);
        var clock = Stopwatch.StartNew();
        LatencyRecorder recorder = await load();
        double seconds = clock.Elapsed.TotalSeconds;
        double cpu = ProcessStats.CpuSeconds(process.Id) - cpuBefore;
        var result = new StepResult(recorder.Count / seconds, recorder.Percentile(50) / 1000, recorder.Percentile(99) / 1000,
            recorder.Percentile(99.9) / 1000, recorder.Max() / 1000, recorder.Errors, recorder.Count);
        return (result, recorder.Count == 0 ? double.NaN : cpu * 1e6 / recorder.Count);
    }
}

internal sealed record LoadStep(string Mode, int Port, int Names, TimeSpan Duration, string? NameFormat);

internal sealed record StepResult(double PerSecond, double P50Ms, double P99Ms, double P999Ms, double MaxMs, long Errors, long Count)
{
    public static StepResult None { get; } = new(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0, 0);
}

/// <summary>The idle-connection step: connections asked for, held by the client at the reading (not closed by the
/// terminator) and seen established on the terminator's port, and the terminator's RSS around them.</summary>
internal sealed record IdleResult(int Requested, int Held, int ServerHeld, int Errors, double OpenSeconds, double RssBeforeMiB, double RssAfterMiB,
    double CpuMicrosPerConnection, double ClientKiBPerConnection)
{
    public static IdleResult None { get; } = new(0, 0, 0, 0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    /// <summary>(after - before) / connections held, in KiB.</summary>
    public double KiBPerConnection => Held == 0 ? double.NaN : (RssAfterMiB - RssBeforeMiB) * 1024 / Held;
}

internal sealed class Measurement
{
    public string Name { get; init; } = "";
    public double ReadySeconds { get; set; }

    /// <summary>Seconds from launch until every certificate's context was built (= ready for the peers).</summary>
    public double WarmSeconds { get; set; }

    /// <summary>The process's CPU from launch until warm, per name: its per-name load cost.</summary>
    public double StartCpuMicrosPerName { get; set; }
    public double RssAfterStartMiB { get; set; }
    public double RssWarmMiB { get; set; }
    public double RssAfterLoadMiB { get; set; }
    public IdleResult Idle { get; set; } = IdleResult.None;
    public StepResult KeepAlive { get; set; } = StepResult.None;
    public StepResult Paced { get; set; } = StepResult.None;
    public double PacedCpuMicros { get; set; }
    public StepResult FirstTouch { get; set; } = StepResult.None;
    public double FirstTouchCpuMicros { get; set; }
    public double KeepAliveCpuMicros { get; set; }
    public StepResult Full { get; set; } = StepResult.None;
    public double FullCpuMicros { get; set; }
    public StepResult Resumed { get; set; } = StepResult.None;
    public double ResumedCpuMicros { get; set; }
    public double NewCertificateSeconds { get; set; }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"ready {ReadySeconds:0.00}s warm {WarmSeconds:0.00}s {StartCpuMicrosPerName:0}us/name rss start/warm/load {RssAfterStartMiB:0}/{RssWarmMiB:0}/{RssAfterLoadMiB:0} MiB | idle {Idle.Held}/{Idle.Requested} held ({Idle.ServerHeld} on the server, {Idle.Errors} errors, opened in {Idle.OpenSeconds:0.0}s) {Idle.KiBPerConnection:0.0} KiB/conn, client {Idle.ClientKiBPerConnection:0.0} KiB/conn | keep-alive {KeepAlive.PerSecond:0}/s {KeepAliveCpuMicros:0.0}us p99/p99.9/max {KeepAlive.P99Ms:0.00}/{KeepAlive.P999Ms:0.00}/{KeepAlive.MaxMs:0.00}ms err {KeepAlive.Errors} | first hs per name {FirstTouch.Count} in {FirstTouch.Count / Math.Max(FirstTouch.PerSecond, 1e-9):0.0}s {FirstTouchCpuMicros:0}us | full {Full.PerSecond:0}/s {FullCpuMicros:0}us | resumed {Resumed.PerSecond:0}/s {ResumedCpuMicros:0}us | new cert {NewCertificateSeconds:0.000}s");
}

/// <summary>The benchmark's command line: every option with its default (the single table <see cref="Usage"/> prints and
/// <see cref="TryParse"/> reads), validated before anything is generated or started.</summary>
internal sealed class BenchOptions
{
    private const string None = "none";
    private static readonly string[] s_contenders = ["terminator", "nginx", "haproxy", "floor"];

    private static readonly Option[] s_options =
    [
        new("--certs", "N", "certificates, one name each, served by every contender",
            o => Invariant(o.Certificates), (o, v) => Count("--certs", v, n => o.Certificates = n)),
        new("--duration", "SECONDS", "length of each measured load step",
            o => Invariant(o.Duration.TotalSeconds), (o, v) => Seconds("--duration", v, t => o.Duration = t)),
        new("--runs", "N", "rounds over all contenders",
            o => Invariant(o.Runs), (o, v) => Count("--runs", v, n => o.Runs = n)),
        new("--connections", "N", "keep-alive client connections",
            o => Invariant(o.KeepAliveConnections), (o, v) => Count("--connections", v, n => o.KeepAliveConnections = n)),
        new("--handshake-concurrency", "N", "clients handshaking at once in the handshake steps",
            o => Invariant(o.HandshakeConcurrency), (o, v) => Count("--handshake-concurrency", v, n => o.HandshakeConcurrency = n)),
        new("--paced-rate", "N", "requests per second over all keep-alive connections in the fixed-rate latency step; 0 skips the step",
            o => Invariant(o.PacedRate), (o, v) => CountOrZero("--paced-rate", v, n => o.PacedRate = n)),
        new("--idle-connections", "N", "idle TLS keep-alive connections held at once to measure RSS per connection; 0 skips the step",
            o => Invariant(o.IdleConnections), (o, v) => CountOrZero("--idle-connections", v, n => o.IdleConnections = n)),
        new("--idle-rate", "N", "idle connections opened per second, no more (and --handshake-concurrency at a time)",
            o => Invariant(o.IdleRate), (o, v) => Count("--idle-rate", v, n => o.IdleRate = n)),
        new("--workdir", "DIR", "certificates, configurations and logs",
            o => o.WorkDirectory, (o, v) => { o.WorkDirectory = v; return null; }),
        new("--terminator", "DLL", "terminator.dll to measure; required when --only includes terminator (macro.sh passes its publish)",
            o => None, (o, v) => { o.TerminatorDll = v; return null; }),
        new("--out", "FILE", "Markdown report to write; required (macro.sh passes bench/results/<date>.md)",
            o => None, (o, v) => { o.Output = v; return null; }),
        new("--only", "LIST", "contenders, comma-separated, from " + string.Join(',', s_contenders),
            o => string.Join(',', o.Only), (o, v) => Contenders(v, list => o.Only = list)),
        new("--terminator-source", "store|pem", "Terminator reads the encrypted store (imported before start-up) or the peers' PEM folder",
            o => o.TerminatorSource, (o, v) => v is "store" or "pem" ? Set(() => o.TerminatorSource = v) : $"--terminator-source is store or pem, not '{v}'"),
        new("--port", "PORT", "the port every terminator under test listens on (another benchmark on the host may hold the default)",
            o => Invariant(o.Port), (o, v) => PortNumber("--port", v, n => o.Port = n)),
        new("--upstream-port", "PORT", "the upstream origin's port",
            o => Invariant(o.UpstreamPort), (o, v) => PortNumber("--upstream-port", v, n => o.UpstreamPort = n)),
        new("--admin-port", "PORT", "Terminator's admin listener (/metrics)",
            o => Invariant(o.AdminPort), (o, v) => PortNumber("--admin-port", v, n => o.AdminPort = n)),
        new("--terminator-env", "NAME=VALUE", "extra environment for the Terminator process only; repeatable",
            o => None, (o, v) => v.IndexOf('=', StringComparison.Ordinal) is > 0 and int at
                ? Set(() => o.TerminatorEnvironment[v[..at]] = v[(at + 1)..])
                : $"--terminator-env takes NAME=VALUE, not '{v}'"),
    ];

    public int Certificates { get; private set; } = 10_000;
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);
    public int Runs { get; private set; } = 2;
    public int KeepAliveConnections { get; private set; } = 64;
    public int HandshakeConcurrency { get; private set; } = 16;
    /// <summary>The fixed-rate step's default: about a third of what Terminator sustains on one core of the benchmark
    /// host (15,000-18,000 keep-alive requests/s), and less for the peers.</summary>
    public const int DefaultPacedRate = 5_000;
    public int PacedRate { get; private set; } = DefaultPacedRate;
    public int IdleConnections { get; private set; } = 10_000;
    public int IdleRate { get; private set; } = 1_000;
    public int Port { get; private set; } = 19443;
    public int UpstreamPort { get; private set; } = 19080;
    public int AdminPort { get; private set; } = 19181;
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

    /// <summary>What <c>--help</c> prints (and a command-line mistake, after its one line): how the benchmark is meant to be
    /// run, every option with its default, and the profiling mode.</summary>
    public static string Usage { get; } = BuildUsage();

    /// <summary><c>-h</c> or <c>--help</c> anywhere on the command line.</summary>
    public static bool WantsHelp(string[] args) => args.Any(a => a is "-h" or "--help");

    /// <summary>Reads the command line; false with a one-line <paramref name="error"/> for anything it cannot use.</summary>
    public static bool TryParse(string[] args, [NotNullWhen(true)] out BenchOptions? options, [NotNullWhen(false)] out string? error)
    {
        var o = new BenchOptions { CommandLine = string.Join(' ', args) };
        options = null;
        for (int i = 0; i < args.Length; i += 2)
        {
            Option? option = Array.Find(s_options, x => x.Name == args[i]);
            if (option is null)
            {
                error = $"unknown option '{args[i]}'";
                return false;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{args[i]} needs a value ({option.Value})";
                return false;
            }

            if ((error = option.Apply(o, args[i + 1])) is not null)
            {
                return false;
            }
        }

        error = o.Output.Length == 0 ? "--out is required"
            : o.Only.Contains("terminator") && !File.Exists(o.TerminatorDll) ? $"--terminator must point at terminator.dll ({(o.TerminatorDll.Length == 0 ? "not given" : $"no file '{o.TerminatorDll}'")})"
            : null;
        options = error is null ? o : null;
        return error is null;
    }

    private static string BuildUsage()
    {
        var defaults = new BenchOptions();
        var text = new StringBuilder();
        text.AppendLine("Terminator.MacroBench: Terminator, nginx and HAProxy side by side as TLS terminators for the same certificates.");
        text.AppendLine();
        text.AppendLine("Run it through the script, from the repository root:");
        text.AppendLine("  bench/macro.sh [options]");
        text.AppendLine("which installs nginx and haproxy if missing, publishes the daemon (ReadyToRun), builds this tool and runs it on CPU 1 as");
        text.AppendLine("  dotnet Terminator.MacroBench.dll --terminator /tmp/terminator-macrobench-bin/terminator.dll --out bench/results/<date>.md [options]");
        text.AppendLine();
        text.AppendLine("Options [default]:");
        int width = s_options.Max(x => x.Name.Length + x.Value.Length) + 3;
        foreach (Option option in s_options)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {(option.Name + " " + option.Value).PadRight(width)}{option.Help} [{option.Default(defaults)}]");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"  {"-h, --help".PadRight(width)}print this and exit");
        text.AppendLine();
        text.AppendLine("Profiling, one load step against a terminator you started on 127.0.0.1:PORT, over the benchmark's first NAMES names:");
        text.AppendLine("  dotnet Terminator.MacroBench.dll load keepalive|keepalive-unique|keepalive-paced|full|resumed|touch PORT NAMES SECONDS [NAME_FORMAT]");
        return text.ToString();
    }

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string? Set(Action set)
    {
        set();
        return null;
    }

    private static string? Count(string name, string value, Action<int> set) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? Set(() => set(n))
            : $"{name} takes a whole number above 0, not '{value}'";

    private static string? PortNumber(string name, string value, Action<int> set) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 65535
            ? Set(() => set(n))
            : $"{name} takes a port (1-65535), not '{value}'";

    private static string? CountOrZero(string name, string value, Action<int> set) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            ? Set(() => set(n))
            : $"{name} takes a whole number (0 or more), not '{value}'";

    private static string? Seconds(string name, string value, Action<TimeSpan> set) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) && seconds > 0 && seconds < 86_400
            ? Set(() => set(TimeSpan.FromSeconds(seconds)))
            : $"{name} takes seconds above 0, not '{value}'";

    private static string? Contenders(string value, Action<string[]> set)
    {
        string[] names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? unknown = Array.Find(names, n => !s_contenders.Contains(n));
        return names.Length == 0 || unknown is not null
            ? $"--only: unknown contender '{unknown ?? value}' (known: {string.Join(',', s_contenders)})"
            : Set(() => set(names));
    }

    /// <summary>One option: its name, the placeholder for its value, what it does, its default as printed, and how it is
    /// applied (null, or the one-line error).</summary>
    private sealed record Option(string Name, string Value, string Help, Func<BenchOptions, string> Default, Func<BenchOptions, string, string?> Apply);
}
