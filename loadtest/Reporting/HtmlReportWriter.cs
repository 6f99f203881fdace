using System.Net;
using System.Text;
using Terminator.LoadTest.Engine;
using Terminator.LoadTest.Target;
using static Terminator.LoadTest.Reporting.Figures;

namespace Terminator.LoadTest.Reporting;

/// <summary>
/// report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) with the run's header, and per
/// scenario its figures, a latency-over-time chart (p50, p99, max per second) and a throughput-over-time chart
/// (requests, handshakes and errors per second), plus the target's CPU and RSS over time when it was sampled.
/// </summary>
internal static class HtmlReportWriter
{
    public static string Write(RunReport report)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Terminator load test</title><style>")
            .Append("body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse;font-size:13px}")
            .Append("td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child,th:first-child{text-align:left}")
            .Append(".fail{color:#b00;font-weight:bold}.pass{color:#070}code{background:#f4f4f4;padding:1px 3px}svg{display:block;margin:8px 0}")
            .Append("</style></head><body>");
        html.Append("<h1>Terminator load test</h1><ul>");
        html.Append($"<li>Command: <code>{E(report.CommandLine)}</code></li><li>Target: {E(report.Target)}</li>");
        html.Append($"<li>Certificate verification: {(report.Insecure ? "<span class=\"fail\">OFF (--insecure)</span>" : "on")}; TLS client: {report.TlsClient}</li>");
        html.Append($"<li>Machine: {E(report.Machine)}</li><li>Started: {report.Started:yyyy-MM-dd HH:mm:ss} UTC</li>");
        html.Append($"<li>Result: {(report.Passed ? "<span class=\"pass\">every threshold met</span>" : "<span class=\"fail\">THRESHOLD VIOLATED</span>")}</li></ul>");
        foreach (PlanReport plan in report.Plans)
        {
            WritePlan(html, plan);
        }

        html.Append("</body></html>");
        return html.ToString();
    }

    private static void WritePlan(StringBuilder html, PlanReport plan)
    {
        html.Append($"<h2>{E(plan.Name)}</h2><p>{E(plan.Description)}</p>");
        foreach (string note in plan.Notes)
        {
            html.Append($"<pre>{E(note)}</pre>");
        }

        html.Append($"<p>Client: {F(plan.ClientCpuPercent)}% of a core, {F(plan.ClientCpuPerRequestMicroseconds, "0")} µs CPU per request, {F(plan.ClientCpuPerHandshakeMicroseconds, "0")} µs per handshake. ");
        html.Append($"Target: {F(plan.TargetCpuPercentMean)}% of a core on average, {F(plan.TargetCpuPerRequestMicroseconds, "0")} µs CPU per request, {F(plan.TargetCpuPerHandshakeMicroseconds, "0")} µs per handshake, RSS max {F(plan.TargetRssMaxMiB)} MiB.</p>");
        foreach (ScenarioResult scenario in plan.Scenarios)
        {
            WriteScenario(html, scenario);
        }

        if (plan.TargetSamples.Count > 0)
        {
            var cpu = new List<(double, double)>();
            var rss = new List<(double, double)>();
            foreach (ProcessSample sample in plan.TargetSamples)
            {
                cpu.Add((sample.Second + 1, sample.CpuPercent));
                rss.Add((sample.Second + 1, sample.RssMiB));
            }

            html.Append(SvgChart.Render($"{plan.Name}: target CPU (100% = one core)", "% of a core", [new ChartSeries("cpu", "#c0392b", cpu)], []));
            html.Append(SvgChart.Render($"{plan.Name}: target resident memory", "MiB", [new ChartSeries("rss", "#8e44ad", rss)], []));
        }
    }

    private static void WriteScenario(StringBuilder html, ScenarioResult scenario)
    {
        ScenarioDefinition definition = scenario.Definition;
        html.Append($"<h3>{E(definition.Name)}</h3><p>{E(definition.Description)}<br><small>{E(string.Join(", then ", definition.Simulations))}</small></p>");
        html.Append("<table><tr><th>window</th><th>iter/s</th><th>req/s</th><th>handshakes/s</th><th>resumed</th><th>errors</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th><th>sent</th><th>received</th></tr>");
        Row(html, definition, scenario.Stats);
        foreach (ScenarioStats window in scenario.Windows)
        {
            Row(html, definition, window);
        }

        html.Append("</table>");
        if (scenario.Stats.ErrorsByKind.Count > 0)
        {
            html.Append(definition.IsBackground ? "<p>Outcomes (what the server did with each bad client):</p><ul>" : "<p>Errors by kind:</p><ul>");
            foreach ((string kind, long count) in scenario.Stats.ErrorsByKind)
            {
                html.Append($"<li>{E(kind)}: {count}</li>");
            }

            html.Append("</ul>");
        }

        if (scenario.Thresholds.Count > 0)
        {
            html.Append("<ul>");
            foreach (ThresholdResult threshold in scenario.Thresholds)
            {
                html.Append($"<li class=\"{(threshold.Passed ? "pass" : "fail")}\">{(threshold.Passed ? "pass" : "FAIL")} <code>{E(threshold.Name)}</code>: {E(threshold.Rule)}, was {E(threshold.Actual)}</li>");
            }

            html.Append("</ul>");
        }

        var bands = new List<(string, double, double)>();
        foreach (StatsWindow window in definition.Windows)
        {
            if (window.From > TimeSpan.Zero)
            {
                bands.Add((window.Name, window.From.TotalSeconds, window.To.TotalSeconds));
            }
        }

        var p50 = new List<(double, double)>();
        var p99 = new List<(double, double)>();
        var max = new List<(double, double)>();
        var requests = new List<(double, double)>();
        var handshakes = new List<(double, double)>();
        var errors = new List<(double, double)>();
        foreach (TimelineSecond second in scenario.Timeline)
        {
            double x = second.Second + 1;
            p50.Add((x, second.Latency.P50Ms));
            p99.Add((x, second.Latency.P99Ms));
            max.Add((x, second.Latency.MaxMs));
            requests.Add((x, second.Requests));
            handshakes.Add((x, second.Handshakes));
            errors.Add((x, definition.IsBackground ? double.NaN : second.Errors));
        }

        html.Append(SvgChart.Render($"{definition.Name}: latency over time", "ms",
            [new ChartSeries("p50", "#2980b9", p50), new ChartSeries("p99", "#e67e22", p99), new ChartSeries("max", "#c0392b", max)], bands));
        html.Append(SvgChart.Render($"{definition.Name}: throughput over time", "per second",
            [new ChartSeries("requests/s", "#27ae60", requests), new ChartSeries("handshakes/s", "#7f8c8d", handshakes), new ChartSeries("errors/s", "#c0392b", errors)], bands));
    }

    private static void Row(StringBuilder html, ScenarioDefinition definition, ScenarioStats s) =>
        html.Append($"<tr><td>{E(s.Window ?? "all")}</td><td>{F(s.IterationsPerSecond)}</td><td>{F(s.RequestsPerSecond)}</td><td>{F(s.HandshakesPerSecond)}</td>")
            .Append($"<td>{(definition.ReportsResumption ? F(s.ResumedPercent, "0") + "%" : "-")}</td><td>{s.Errors} ({F(s.ErrorPercent, "0.##")}%)</td>")
            .Append($"<td>{F(s.Latency.P50Ms, "0.00")}</td><td>{F(s.Latency.P90Ms, "0.00")}</td><td>{F(s.Latency.P99Ms, "0.00")}</td><td>{F(s.Latency.P999Ms, "0.00")}</td><td>{F(s.Latency.MaxMs, "0.00")}</td>")
            .Append($"<td>{Bytes(s.BytesSent)}</td><td>{Bytes(s.BytesReceived)}</td></tr>");

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
