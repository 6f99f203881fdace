using System.Globalization;
using System.Text;

namespace Terminator.MacroBench;

/// <summary>Markdown tables: one row per terminator per run, then Terminator / best peer ratios per column.</summary>
internal static class Report
{
    private sealed record Column(string Title, Func<Measurement, double> Value, bool HigherIsBetter, string Format);

    private static readonly Column[] s_columns =
    [
        new("ready s", m => m.ReadySeconds, false, "0.00"),
        new("RSS start MiB", m => m.RssAfterStartMiB, false, "0"),
        new("keep-alive req/s", m => m.KeepAlive.PerSecond, true, "0"),
        new("CPU µs/req", m => m.KeepAliveCpuMicros, false, "0.0"),
        new("p50 ms", m => m.KeepAlive.P50Ms, false, "0.00"),
        new("p99 ms", m => m.KeepAlive.P99Ms, false, "0.00"),
        new("CPU µs/first hs per name", m => m.FirstTouchCpuMicros, false, "0"),
        new("full hs/s", m => m.Full.PerSecond, true, "0"),
        new("CPU µs/full hs", m => m.FullCpuMicros, false, "0"),
        new("full p99 ms", m => m.Full.P99Ms, false, "0.0"),
        new("resumed hs/s", m => m.Resumed.PerSecond, true, "0"),
        new("CPU µs/resumed hs", m => m.ResumedCpuMicros, false, "0"),
        new("RSS after load MiB", m => m.RssAfterLoadMiB, false, "0"),
        new("new cert served s", m => m.NewCertificateSeconds, false, "0.000"),
    ];

    public static string Render(List<(int Run, Measurement Row)> results, BenchOptions options, BenchLayout layout)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Macro benchmark {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {HostCores()} cores, {Machine()}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {Tool("nginx", "-v")}, {Tool("haproxy", "-v").Split('\n')[0]}, {Tool("openssl", "version")}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Certificates: {layout.Names.Length:N0} ECDSA P-256. Terminator under test pinned to CPU 0 (one worker), load client and upstream (nginx, empty_gif / return 302) on CPU 1. Keep-alive: {options.KeepAliveConnections} connections; handshakes: {options.HandshakeConcurrency} concurrent, one request per connection; {options.Duration.TotalSeconds:0} s per step; TLS 1.3.");
        md.AppendLine(options.TerminatorSource == "store"
            ? "Terminator reads its encrypted store (the PEM files imported with `terminator certs import` before start-up, not timed); its new certificate is added with `terminator certs import`, timed from before the PEM is written, so the CLI's own start-up counts. nginx and HAProxy read the PEM files and are reloaded (SIGHUP / SIGUSR2)."
            : "All three read the same PEM files; new certificate: file written, then the terminator's reload signal.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Command: `bench/macro.sh {options.CommandLine.Replace(options.TerminatorDll, "…", StringComparison.Ordinal)}`");
        md.AppendLine();
        md.Append("| run | terminator |");
        foreach (Column c in s_columns) md.Append(' ').Append(c.Title).Append(" |");
        md.AppendLine();
        md.Append("|---|---|");
        foreach (Column _ in s_columns) md.Append("---:|");
        md.AppendLine();
        foreach ((int run, Measurement row) in results)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {run} | {row.Name} |");
            foreach (Column c in s_columns) md.Append(' ').Append(c.Value(row).ToString(c.Format, CultureInfo.InvariantCulture)).Append(" |");
            md.AppendLine();
        }

        foreach (int run in results.Select(r => r.Run).Distinct())
        {
            Measurement? ours = results.FirstOrDefault(r => r.Run == run && r.Row.Name == "Terminator").Row;
            if (ours is null) continue;
            Measurement[] peers = results.Where(r => r.Run == run && r.Row.Name is not "Terminator" and not FloorName).Select(r => r.Row).ToArray();
            if (peers.Length > 0) AppendRatios(md, run, "Terminator / best peer", ours, peers);
            Measurement? floor = results.FirstOrDefault(r => r.Run == run && r.Row.Name == FloorName).Row;
            if (floor is not null) AppendRatios(md, run, "Terminator / SslStream floor", ours, [floor]);
        }

        md.AppendLine();
        md.AppendLine("Ratios: below 1.00× is better for times, CPU and memory; above 1.00× is better for rates. The SslStream floor (when run) is not a peer: a minimal SslStream proxy without parsing, limits or timeouts, the least any SslStream-based terminator can spend. Errors per step (keep-alive / first handshake per name / full / resumed): " +
            string.Join("; ", results.Select(r => $"run {r.Run} {r.Row.Name} {r.Row.KeepAlive.Errors}/{r.Row.FirstTouch.Errors}/{r.Row.Full.Errors}/{r.Row.Resumed.Errors}")) + ".");
        return md.ToString();
    }

    private const string FloorName = "SslStream floor";

    private static void AppendRatios(StringBuilder md, int run, string title, Measurement ours, Measurement[] others)
    {
        md.Append(CultureInfo.InvariantCulture, $"| {run} | **{title}** |");
        foreach (Column c in s_columns)
        {
            double best = c.HigherIsBetter ? others.Max(c.Value) : others.Min(c.Value);
            md.Append(CultureInfo.InvariantCulture, $" {c.Value(ours) / best:0.00}× |");
        }

        md.AppendLine();
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
