using System.Text;
using Terminator.LoadTest.Engine;
using static Terminator.LoadTest.Reporting.Figures;

namespace Terminator.LoadTest.Reporting;

/// <summary>report.md: the run's header, then per plan a table of its scenarios (and windows), errors by kind, the
/// thresholds, and the client's and target's CPU.</summary>
internal static class MarkdownReportWriter
{
    public static string Write(RunReport report)
    {
        var md = new StringBuilder();
        md.AppendLine("# Terminator load test").AppendLine();
        md.AppendLine($"- Command: `{report.CommandLine}`");
        md.AppendLine($"- Target: {report.Target}");
        md.AppendLine($"- Certificate verification: {(report.Insecure ? "**OFF (--insecure)**" : "on")}; TLS client: {report.TlsClient}");
        md.AppendLine($"- Machine: {report.Machine}");
        md.AppendLine($"- Started: {report.Started:yyyy-MM-dd HH:mm:ss} UTC");
        md.AppendLine($"- Result: {(report.Passed ? "every threshold met" : "**THRESHOLD VIOLATED**")}").AppendLine();
        md.AppendLine("Latency is per iteration (a click, a pixel fetch, a scanned message), measured from the moment the open model meant to start it (corrected for coordinated omission); closed-model (keep-alive) latencies are service times.").AppendLine();
        foreach (PlanReport plan in report.Plans)
        {
            WritePlan(md, plan);
        }

        return md.ToString();
    }

    private static void WritePlan(StringBuilder md, PlanReport plan)
    {
        md.AppendLine($"## {plan.Name}").AppendLine().AppendLine(plan.Description).AppendLine();
        md.AppendLine("| scenario | window | iter/s | req/s | handshakes/s | resumed | errors | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | sent | received |");
        md.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (ScenarioResult scenario in plan.Scenarios)
        {
            Row(md, scenario.Definition, scenario.Stats);
            foreach (ScenarioStats window in scenario.Windows)
            {
                Row(md, scenario.Definition, window);
            }
        }

        md.AppendLine();
        if (plan.Notes.Count > 0)
        {
            md.AppendLine("```");
            foreach (string note in plan.Notes)
            {
                md.AppendLine(note);
            }

            md.AppendLine("```").AppendLine();
        }

        md.AppendLine($"Client: {F(plan.ClientCpuPercent)}% of a core, {F(plan.ClientCpuPerRequestMicroseconds, "0")} µs CPU per request, {F(plan.ClientCpuPerHandshakeMicroseconds, "0")} µs per handshake. " +
            $"Target: {F(plan.TargetCpuPercentMean)}% of a core on average, {F(plan.TargetCpuPerRequestMicroseconds, "0")} µs CPU per request, {F(plan.TargetCpuPerHandshakeMicroseconds, "0")} µs per handshake, RSS max {F(plan.TargetRssMaxMiB)} MiB.").AppendLine();
        foreach (ScenarioResult scenario in plan.Scenarios)
        {
            md.AppendLine($"**{scenario.Definition.Name}** ({string.Join(", then ", scenario.Definition.Simulations)}): {scenario.Definition.Description}").AppendLine();
            if (scenario.Stats.ErrorsByKind.Count > 0)
            {
                md.AppendLine(scenario.Definition.IsBackground ? "Outcomes (what the server did with each bad client):" : "Errors by kind:");
                foreach ((string kind, long count) in scenario.Stats.ErrorsByKind)
                {
                    md.AppendLine($"- {kind}: {count}");
                }

                md.AppendLine();
            }

            foreach (ThresholdResult threshold in scenario.Thresholds)
            {
                md.AppendLine($"- {(threshold.Passed ? "pass" : "**FAIL**")} `{threshold.Name}`: {threshold.Rule}, was {threshold.Actual}");
            }

            if (scenario.Thresholds.Count > 0)
            {
                md.AppendLine();
            }
        }
    }

    private static void Row(StringBuilder md, ScenarioDefinition scenario, ScenarioStats s) =>
        md.AppendLine($"| {scenario.Name} | {s.Window ?? "all"} | {F(s.IterationsPerSecond)} | {F(s.RequestsPerSecond)} | {F(s.HandshakesPerSecond)} | " +
            $"{(scenario.ReportsResumption ? F(s.ResumedPercent, "0") + "%" : "-")} | {s.Errors} ({F(s.ErrorPercent, "0.##")}%) | " +
            $"{F(s.Latency.P50Ms, "0.00")} | {F(s.Latency.P90Ms, "0.00")} | {F(s.Latency.P99Ms, "0.00")} | {F(s.Latency.P999Ms, "0.00")} | {F(s.Latency.MaxMs, "0.00")} | " +
            $"{Bytes(s.BytesSent)} | {Bytes(s.BytesReceived)} |");
}
