using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Terminator.Certificates;
using Terminator.Configuration;
using Terminator.Samples.Certificates;

namespace Terminator.ScaleBench;

/// <summary>
/// Starts the published daemon on a store of N entries, pinned to one CPU, and measures what an operator sees:
/// time until it serves a handshake, RSS, first-handshake latency for cold and cached names, memory per materialised
/// context, and how fast a certificate dropped into TERMINATOR_CERT_DIR is served.
/// </summary>
internal sealed class DaemonRun
{
    public required string DaemonPath { get; init; }
    public required string StoreDirectory { get; init; }
    public required string PemDirectory { get; init; }
    public required string StoreKeyBase64 { get; init; }
    public required int Domains { get; init; }
    public required int DaemonCpu { get; init; }
    public int CacheSize { get; init; } = TerminatorOptions.DefaultCertCacheSize;

    /// <summary>More variables for the daemon (the postgres mode's TERMINATOR_STORE and TERMINATOR_DATABASE_URL).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public sealed record Result(double ReadySeconds, long RssReadyKiB, double ColdMedianMs, double ColdP90Ms,
        double CachedMedianMs, double CachedP90Ms, double KiBPerContext, long RssAfterKiB, double NewCertificateSeconds);

    public async Task<Result> RunAsync()
    {
        foreach (string file in Directory.EnumerateFiles(PemDirectory))
        {
            File.Delete(file);
        }

        int port = FreePort();
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        var start = new ProcessStartInfo("taskset", ["-c", DaemonCpu.ToString(CultureInfo.InvariantCulture), DaemonPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["TERMINATOR_STORE_DIR"] = StoreDirectory;
        start.Environment["TERMINATOR_STORE_KEY"] = StoreKeyBase64;
        start.Environment["TERMINATOR_CERT_DIR"] = PemDirectory;
        start.Environment["TERMINATOR_HTTPS_LISTEN"] = $"127.0.0.1:{port}";
        start.Environment["TERMINATOR_HTTP_LISTEN"] = "off";
        start.Environment["TERMINATOR_UPSTREAM"] = "http://127.0.0.1:9";
        start.Environment["TERMINATOR_LOG_LEVEL"] = "warn";
        start.Environment["TERMINATOR_ADMIN_LISTEN"] = "off"; // its fixed default port may be taken by another run
        start.Environment["TERMINATOR_CERT_CACHE_SIZE"] = CacheSize.ToString(CultureInfo.InvariantCulture);
        foreach ((string name, string value) in Environment)
        {
            start.Environment[name] = value;
        }

        var stopwatch = Stopwatch.StartNew();
        using Process daemon = Process.Start(start) ?? throw new InvalidOperationException("could not start " + DaemonPath);
        daemon.OutputDataReceived += static (_, e) => { if (e.Data is not null) Console.Error.WriteLine("  daemon: " + e.Data); };
        daemon.ErrorDataReceived += static (_, e) => { if (e.Data is not null) Console.Error.WriteLine("  daemon: " + e.Data); };
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        try
        {
            // Ready = the first handshake for a stored name completes (the daemon binds only after loading).
            Task served = TlsProbe.WaitUntilServedAsync(endPoint, StoreGenerator.Name(0), TimeSpan.FromMinutes(10), TimeSpan.FromMilliseconds(10));
            if (await Task.WhenAny(served, daemon.WaitForExitAsync()) != served)
            {
                throw new InvalidOperationException($"the daemon exited ({daemon.ExitCode}) after {stopwatch.Elapsed.TotalSeconds:F1} s without serving");
            }

            await served;
            double ready = stopwatch.Elapsed.TotalSeconds;
            long rssReady = ProcessMemory.RssKiB(daemon.Id);

            // Cold: names nothing has touched yet (load + key import + context build inside the handshake);
            // cached: the same names again, on new connections without resumption.
            var random = new Random(7);
            var names = new List<string>();
            for (int i = 0; i < 100; i++)
            {
                names.Add(StoreGenerator.Name(1 + random.Next(Domains - 1)));
            }

            var distinct = names.Distinct().ToList();
            var cold = new List<double>();
            foreach (string name in distinct)
            {
                cold.Add(await TlsProbe.HandshakeAsync(endPoint, name));
            }

            var cached = new List<double>();
            foreach (string name in distinct)
            {
                cached.Add(await TlsProbe.HandshakeAsync(endPoint, name));
            }

            // Memory per materialised context: RSS growth over 2,000 more cold names (well under the cache size).
            int extra = Math.Min(2000, Math.Min(CacheSize / 2, Domains / 2));
            long rssBefore = ProcessMemory.RssKiB(daemon.Id);
            for (int i = 0; i < extra; i++)
            {
                _ = await TlsProbe.HandshakeAsync(endPoint, StoreGenerator.Name((int)((long)i * 7919 % Domains)));
            }

            long rssAfter = ProcessMemory.RssKiB(daemon.Id);
            double perContext = extra == 0 ? 0 : (rssAfter - rssBefore) / (double)extra;

            double newCertificate = await MeasureNewCertificateAsync(endPoint);
            return new Result(ready, rssReady, Percentile(cold, 0.5), Percentile(cold, 0.9), Percentile(cached, 0.5),
                Percentile(cached, 0.9), perContext, ProcessMemory.RssKiB(daemon.Id), newCertificate);
        }
        finally
        {
            daemon.Kill();
            await daemon.WaitForExitAsync();
        }
    }

    /// <summary>Seconds from a new certificate pair landing in TERMINATOR_CERT_DIR (written to temp names, renamed in,
    /// key first, as certbot's deploy does) until a handshake for its name succeeds.</summary>
    private async Task<double> MeasureNewCertificateAsync(IPEndPoint endPoint)
    {
        using var authority = LocalCertificateAuthority.Create("Scale Bench New CA");
        const string name = "fresh.scale.test";
        IssuedCertificate issued = authority.Issue([name]);
        string staging = Path.Combine(Path.GetDirectoryName(PemDirectory)!, "staging");
        Directory.CreateDirectory(staging);
        issued.WriteFlat(staging, "fresh");
        File.Move(Path.Combine(staging, "fresh.key"), Path.Combine(PemDirectory, "fresh.key"), overwrite: true);
        var stopwatch = Stopwatch.StartNew();
        File.Move(Path.Combine(staging, "fresh.crt"), Path.Combine(PemDirectory, "fresh.crt"), overwrite: true);
        await TlsProbe.WaitUntilServedAsync(endPoint, name, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(5));
        return stopwatch.Elapsed.TotalSeconds;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
