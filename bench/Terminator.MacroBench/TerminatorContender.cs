using System.Diagnostics;
using System.Security.Cryptography;
using Terminator.Certificates;
using Terminator.Samples.Certificates;

namespace Terminator.MacroBench;

/// <summary>
/// Terminator as an operator runs it. Default: the encrypted store (<c>--terminator-source store</c>), the production
/// path; the certificates are imported once with <c>terminator certs import</c> before start-up (a migration, not
/// timed), and a new certificate is added with <c>terminator certs import</c>, timed from the moment its PEM is written
/// (so the CLI's own start-up counts). <c>--terminator-source pem</c> serves the same PEM folder as the peers.
/// </summary>
internal sealed class TerminatorContender(string daemonPath, IReadOnlyDictionary<string, string> extraEnvironment, bool useStore, int adminPort) : Contender
{
    private readonly string _storeKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>TERMINATOR_MAX_CONNECTIONS_PER_IP for the benchmark (TERMINATOR_MAX_CONNECTIONS keeps its default, 100,000).</summary>
    public const string MaxConnectionsPerIp = "100000";

    public override string Name => "Terminator";

    public override Process Start(BenchLayout layout, int port, int upstreamPort)
    {
        var environment = new Dictionary<string, string>(DeployedRuntimeSettings())
        {
            ["TERMINATOR_HTTPS_LISTEN"] = $"127.0.0.1:{port}",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
            ["TERMINATOR_UPSTREAM"] = $"http://127.0.0.1:{upstreamPort}",
            ["TERMINATOR_LOG_LEVEL"] = "warn",
            // The admin listener stays on, as deployed, but off its default port: a daemon or test elsewhere on the host
            // may hold 127.0.0.1:9180, and either would fail to start.
            ["TERMINATOR_ADMIN_LISTEN"] = $"127.0.0.1:{adminPort}",
            // Every benchmark client is 127.0.0.1 and the idle step alone holds 10,000 connections; the default per-IP
            // cap (512) would refuse them. The report's header says so.
            ["TERMINATOR_MAX_CONNECTIONS_PER_IP"] = MaxConnectionsPerIp,
        };
        foreach ((string key, string value) in extraEnvironment) environment[key] = value;
        if (useStore)
        {
            foreach ((string key, string value) in StoreEnvironment(layout)) environment[key] = value;
        }
        else
        {
            environment["TERMINATOR_CERT_DIR"] = layout.FlatDirectory;
        }

        return Launch(layout, "terminator", "dotnet", [daemonPath], environment);
    }

    /// <summary>The <c>Environment=DOTNET_*</c> lines of native/terminator.service: Terminator is measured as deployed.</summary>
    internal static Dictionary<string, string> DeployedRuntimeSettings()
    {
        var settings = new Dictionary<string, string>();
        foreach (string line in File.ReadLines("native/terminator.service"))
        {
            if (!line.StartsWith("Environment=DOTNET_", StringComparison.Ordinal)) continue;
            string assignment = line["Environment=".Length..];
            int equals = assignment.IndexOf('=', StringComparison.Ordinal);
            settings[assignment[..equals]] = assignment[(equals + 1)..];
        }

        return settings;
    }

    /// <summary>Polls the admin listener's /metrics until the certificate cache holds every name's context, or until
    /// its loads stop growing for a second (prewarm off, or a store larger than the cache).</summary>
    public override async Task WaitUntilWarmAsync(BenchLayout layout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var metrics = new Uri($"http://127.0.0.1:{adminPort}/metrics");
        double lastLoads = -1;
        long unchangedSince = Stopwatch.GetTimestamp();
        while (true)
        {
            string text = await http.GetStringAsync(metrics, cancellationToken);
            if (Gauge(text, "terminator_certificate_cache_entries") >= layout.Names.Length)
            {
                return;
            }

            double loads = Gauge(text, "terminator_certificate_loads_total{result=\"ok\"}");
            if (loads != lastLoads)
            {
                lastLoads = loads;
                unchangedSince = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(unchangedSince) > TimeSpan.FromSeconds(1))
            {
                return;
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static double Gauge(string exposition, string series)
    {
        foreach (string line in exposition.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line.AsSpan(series.Length + 1), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>The one-time migration into a fresh store, before the start-up clock runs.</summary>
    public override void Prepare(BenchLayout layout)
    {
        if (useStore)
        {
            string store = StoreEnvironment(layout)["TERMINATOR_STORE_DIR"];
            if (Directory.Exists(store)) Directory.Delete(store, recursive: true);
            ImportIntoStore(layout, layout.FlatDirectory);
        }
    }

    public override void Reload(Process process)
    {
        if (!useStore)
        {
            Signal(process, 1); // SIGHUP: not needed (the folder is watched), but it is what an operator would send
        }
    }

    public override void Add(BenchLayout layout, string name, IssuedCertificate issued)
    {
        if (!useStore)
        {
            base.Add(layout, name, issued);
            return;
        }

        string staging = Path.Combine(layout.Root, "terminator-new");
        Directory.CreateDirectory(staging);
        string file = Path.Combine(staging, name + ".pem");
        issued.WriteCombined(file);
        ImportIntoStore(layout, file);
    }

    private Dictionary<string, string> StoreEnvironment(BenchLayout layout) => new()
    {
        ["TERMINATOR_STORE_DIR"] = Path.Combine(layout.Root, "terminator-store"),
        ["TERMINATOR_STORE_KEY"] = _storeKey,
    };

    /// <summary>Runs <c>terminator certs import</c> (same pinning as the load: CPU 1) and waits for it.</summary>
    private void ImportIntoStore(BenchLayout layout, string source)
    {
        var info = new ProcessStartInfo("taskset") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "-c", "1", "dotnet", daemonPath, "certs", "import", source }) info.ArgumentList.Add(argument);
        foreach ((string key, string value) in StoreEnvironment(layout)) info.Environment[key] = value;
        using Process import = Process.Start(info)!;
        Task<string> stderr = import.StandardError.ReadToEndAsync();
        _ = import.StandardOutput.ReadToEndAsync();
        if (!import.WaitForExit(600_000))
        {
            import.Kill(entireProcessTree: true);
            throw new InvalidOperationException("terminator certs import did not finish in 10 minutes");
        }

        if (import.ExitCode != 0)
        {
            throw new InvalidOperationException($"terminator certs import failed ({import.ExitCode}): {stderr.Result}");
        }
    }
}
