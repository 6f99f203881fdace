using System.Globalization;
using System.Text;

namespace Terminator.MacroBench;

/// <summary>Markdown tables: one row per terminator per run, then Terminator / best peer ratios per column; CPU and rates
/// in one table, memory and latency in another (one table of 20 columns reads badly).</summary>
internal static class Report
{
    private sealed record Column(string Title, Func<Measurement, double> Value, bool HigherIsBetter, string Format);

    private static readonly Column[] s_cpuColumns =
    [
        new("ready s", m => m.ReadySeconds, false, "0.00"),
        new("all warm s", m => m.WarmSeconds, false, "0.00"),
        new("CPU µs/name to warm", m => m.StartCpuMicrosPerName, false, "0"),
        new("keep-alive req/s", m => m.KeepAlive.PerSecond, true, "0"),
        new("CPU µs/req", m => m.KeepAliveCpuMicros, false, "0.0"),
        new("CPU µs/first hs per name", m => m.FirstTouchCpuMicros, false, "0"),
        new("full hs/s", m => m.Full.PerSecond, true, "0"),
        new("CPU µs/full hs", m => m.FullCpuMicros, false, "0"),
        new("resumed hs/s", m => m.Resumed.PerSecond, true, "0"),
        new("CPU µs/resumed hs", m => m.ResumedCpuMicros, false, "0"),
        new("new cert served s", m => m.NewCertificateSeconds, false, "0.000"),
    ];

    private static readonly Column[] s_memoryColumns =
    [
        new("RSS start MiB", m => m.RssAfterStartMiB, false, "0"),
        new("RSS warm MiB", m => m.RssWarmMiB, false, "0"),
        new("RSS after load MiB", m => m.RssAfterLoadMiB, false, "0"),
        new("KiB per idle TLS conn", m => m.Idle.KiBPerConnection, false, "0.0"),
        new("keep-alive p50 ms", m => m.KeepAlive.P50Ms, false, "0.00"),
        new("p99 ms", m => m.KeepAlive.P99Ms, false, "0.00"),
        new("p99.9 ms", m => m.KeepAlive.P999Ms, false, "0.00"),
        new("max ms", m => m.KeepAlive.MaxMs, false, "0.0"),
        new("full hs p99 ms", m => m.Full.P99Ms, false, "0.0"),
    ];

    private static readonly Column[] s_pacedColumns =
    [
        new("req/s", m => m.Paced.PerSecond, true, "0"),
        new("CPU µs/req", m => m.PacedCpuMicros, false, "0.0"),
        new("p50 ms", m => m.Paced.P50Ms, false, "0.00"),
        new("p99 ms", m => m.Paced.P99Ms, false, "0.00"),
        new("p99.9 ms", m => m.Paced.P999Ms, false, "0.00"),
        new("max ms", m => m.Paced.MaxMs, false, "0.0"),
    ];

    public static string Render(List<(int Run, Measurement Row)> results, BenchOptions options, BenchLayout layout)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Macro benchmark {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {HostCores()} cores, {Machine()}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {Tool("nginx", "-v")}, {Tool("haproxy", "-v").Split('\n')[0]}, {Tool("openssl", "version")}; load average at the end {LoadAverage()}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Certificates: {layout.Names.Length:N0} ECDSA P-256. Terminator under test pinned to CPU 0 (one worker), load client and upstream (nginx, empty_gif / return 302) on CPU 1. Keep-alive: {options.KeepAliveConnections} connections; handshakes: {options.HandshakeConcurrency} concurrent, one request per connection; {options.Duration.TotalSeconds:0} s per step; TLS 1.3.");
        md.AppendLine(options.TerminatorSource == "store"
            ? "Terminator reads its encrypted store (the PEM files imported with `terminator certs import` before start-up, not timed); its new certificate is added with `terminator certs import`, timed from before the PEM is written, so the CLI's own start-up counts. nginx and HAProxy read the PEM files and are reloaded (SIGHUP / SIGUSR2)."
            : "All three read the same PEM files; new certificate: file written, then the terminator's reload signal.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Connection limits: every client is 127.0.0.1, so Terminator runs with `TERMINATOR_MAX_CONNECTIONS_PER_IP={TerminatorContender.MaxConnectionsPerIp}` (default 512; `TERMINATOR_MAX_CONNECTIONS` keeps its default, 100,000); nginx `worker_connections 16384`, `worker_rlimit_nofile 20000`; HAProxy `maxconn 12000` and `timeout client 60s` (30 s closed the idle step's first connections before its reading; 60 s is Terminator's default idle timeout; nginx's `keepalive_timeout` is 75 s).");
        md.AppendLine(CultureInfo.InvariantCulture, $"Command: `bench/macro.sh {options.CommandLine.Replace(options.TerminatorDll, "…", StringComparison.Ordinal)}`");
        md.AppendLine();
        md.AppendLine("CPU (the terminator's own, from `/proc/<pid>/stat`, per completed request or handshake) and rates:");
        md.AppendLine();
        AppendTable(md, results, s_cpuColumns);
        md.AppendLine();
        md.AppendLine("Memory (VmRSS summed over the terminator's processes: nginx and HAProxy master + worker) and keep-alive latency (client-side, every sample kept: p99.9 and max are exact):");
        md.AppendLine();
        AppendTable(md, results, s_memoryColumns);
        md.AppendLine();
        if (options.PacedRate > 0)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"Keep-alive latency at a fixed {options.PacedRate:N0} requests/s ({options.KeepAliveConnections} connections, each on its own schedule; below every contender's capacity, so this is the tail without saturation: the closed-loop keep-alive step above runs each contender flat out, and its tail follows its throughput). A request whose slot passed while the previous response was still due is timed from its slot:");
            md.AppendLine();
            AppendTable(md, results, s_pacedColumns);
            md.AppendLine();
        }

        md.AppendLine("- **RSS warm**: read right after the first-handshake step, in which every name completed one handshake (its errors are listed below: a name that failed is not warm). **RSS after load**: after the full and resumed handshake steps.");
        if (options.IdleConnections > 0)
        {
            string perRun = string.Join("; ", results.Select(r => string.Create(CultureInfo.InvariantCulture,
                    $"run {r.Run} {r.Row.Name} {r.Row.Idle.Held}/{r.Row.Idle.ServerHeld}/{r.Row.Idle.Errors}/{r.Row.Idle.OpenSeconds:0.0} s/{r.Row.Idle.RssBeforeMiB:0} → {r.Row.Idle.RssAfterMiB:0}/{r.Row.Idle.CpuMicrosPerConnection:0}/{r.Row.Idle.ClientKiBPerConnection:0.0}")));
            md.AppendLine(CultureInfo.InvariantCulture, $"- **KiB per idle TLS conn**: the client opens {options.IdleConnections:N0} TLS 1.3 connections (full handshake, names spread over all {layout.Names.Length:N0}, one keep-alive `GET /q/open` each, then idle; {options.HandshakeConcurrency} opening at a time, at most {options.IdleRate:N0}/s, 10 s timeout each, 45 s for all, below every contender's idle timeout), waits 1 s, and reads the RSS: (after - before) / connections still open. A .NET process's figure includes whatever garbage its GC has not collected yet (and can be lowered by a collection the step triggers); nginx allocates its connection array for all `worker_connections` at start-up, so that part is in its RSS start. Per run (still open at the client / established on the terminator's port per /proc/net/tcp, which can miss entries while it changes / errors / seconds to open / RSS before → after MiB / terminator CPU µs per idle connection opened / client KiB per connection): {perRun}.");
        }
        else
        {
            md.AppendLine("- The idle-connection step was skipped (`--idle-connections 0`).");
        }

        md.AppendLine();
        md.AppendLine("Ratios: below 1.00× is better for times, CPU and memory; above 1.00× is better for rates; the best peer is the better of nginx and HAProxy in the same run, per column. The SslStream floor (when run) is not a peer: a minimal SslStream proxy without parsing, limits or timeouts, the least any SslStream-based terminator can spend. Errors per step (keep-alive / fixed-rate keep-alive / first handshake per name / full / resumed): " +
            string.Join("; ", results.Select(r => $"run {r.Run} {r.Row.Name} {r.Row.KeepAlive.Errors}/{r.Row.Paced.Errors}/{r.Row.FirstTouch.Errors}/{r.Row.Full.Errors}/{r.Row.Resumed.Errors}")) + ".");
        return md.ToString();
    }

    private const string FloorName = "SslStream floor";

    private static void AppendTable(StringBuilder md, List<(int Run, Measurement Row)> results, Column[] columns)
    {
        md.Append("| run | terminator |");
        foreach (Column c in columns) md.Append(' ').Append(c.Title).Append(" |");
        md.AppendLine();
        md.Append("|---|---|");
        foreach (Column _ in columns) md.Append("---:|");
        md.AppendLine();
        foreach ((int run, Measurement row) in results)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {run} | {row.Name} |");
            foreach (Column c in columns) md.Append(' ').Append(Format(c.Value(row), c.Format)).Append(" |");
            md.AppendLine();
        }

        foreach (int run in results.Select(r => r.Run).Distinct())
        {
            Measurement? ours = results.FirstOrDefault(r => r.Run == run && r.Row.Name == "Terminator").Row;
            if (ours is null) continue;
            Measurement[] peers = results.Where(r => r.Run == run && r.Row.Name is not "Terminator" and not FloorName).Select(r => r.Row).ToArray();
            if (peers.Length > 0) AppendRatios(md, run, "Terminator / best peer", ours, peers, columns);
            Measurement? floor = results.FirstOrDefault(r => r.Run == run && r.Row.Name == FloorName).Row;
            if (floor is not null) AppendRatios(md, run, "Terminator / SslStream floor", ours, [floor], columns);
        }
    }

    private static void AppendRatios(StringBuilder md, int run, string title, Measurement ours, Measurement[] others, Column[] columns)
    {
        md.Append(CultureInfo.InvariantCulture, $"| {run} | **{title}** |");
        foreach (Column c in columns)
        {
            double[] values = others.Select(c.Value).Where(v => !double.IsNaN(v)).ToArray();
            double ratio = values.Length == 0 ? double.NaN : c.Value(ours) / (c.HigherIsBetter ? values.Max() : values.Min());
            md.Append(' ').Append(double.IsNaN(ratio) || double.IsInfinity(ratio) ? "–" : ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×").Append(" |");
        }

        md.AppendLine();
    }

    private static string Format(double value, string format) =>
        double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]);
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>Cores of the host, not of this process: the tool itself runs under taskset, which
    /// <see cref="Environment.ProcessorCount"/> reflects.</summary>
    private static int HostCores() =>
        File.ReadLines("/proc/cpuinfo").Count(line => line.StartsWith("processor", StringComparison.Ordinal));

    private static string Machine()
    {
        try
        {
            string? model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return model is null ? "unknown CPU" : model[(model.IndexOf(':', StringComparison.Ordinal) + 2)..];
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    private static string Tool(string file, string args)
    {
        try
        {
            var info = new System.Diagnostics.ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true };
            using var p = System.Diagnostics.Process.Start(info)!;
            string text = (p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd()).Trim();
            p.WaitForExit();
            return text;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return file + " missing";
        }
    }
}
