using System.Text.Json;
using System.Text.Json.Nodes;
using Terminator.LoadTest.Engine;
using Terminator.LoadTest.Target;

namespace Terminator.LoadTest.Reporting;

/// <summary>report.json: every figure of the Markdown report plus the per-second timelines, for tooling and for
/// comparing runs. Latencies in milliseconds, rates per second, NaN ("not measured") as null.</summary>
internal static class JsonReportWriter
{
    public static string Write(RunReport report)
    {
        var plans = new JsonArray();
        foreach (PlanReport plan in report.Plans)
        {
            var scenarios = new JsonArray();
            foreach (ScenarioResult scenario in plan.Scenarios)
            {
                scenarios.Add(Scenario(scenario));
            }

            var samples = new JsonArray();
            foreach (ProcessSample sample in plan.TargetSamples)
            {
                samples.Add(new JsonObject { ["second"] = sample.Second, ["cpuPercent"] = Figures.Json(sample.CpuPercent), ["rssMiB"] = Figures.Json(sample.RssMiB) });
            }

            plans.Add(new JsonObject
            {
                ["name"] = plan.Name,
                ["description"] = plan.Description,
                ["notes"] = new JsonArray([.. plan.Notes.Select(static n => (JsonNode)JsonValue.Create(n))]),
                ["passed"] = plan.Passed,
                ["measuredSeconds"] = Figures.Json(plan.MeasuredSeconds),
                ["client"] = new JsonObject
                {
                    ["cpuSeconds"] = Figures.Json(plan.ClientCpuSeconds),
                    ["cpuPercent"] = Figures.Json(plan.ClientCpuPercent),
                    ["cpuMicrosecondsPerRequest"] = Figures.Json(plan.ClientCpuPerRequestMicroseconds),
                    ["cpuMicrosecondsPerHandshake"] = Figures.Json(plan.ClientCpuPerHandshakeMicroseconds),
                },
                ["target"] = new JsonObject
                {
                    ["cpuPercentMean"] = Figures.Json(plan.TargetCpuPercentMean),
                    ["cpuSeconds"] = Figures.Json(plan.TargetCpuSeconds),
                    ["cpuMicrosecondsPerRequest"] = Figures.Json(plan.TargetCpuPerRequestMicroseconds),
                    ["cpuMicrosecondsPerHandshake"] = Figures.Json(plan.TargetCpuPerHandshakeMicroseconds),
                    ["rssMiBMax"] = Figures.Json(plan.TargetRssMaxMiB),
                    ["samples"] = samples,
                },
                ["scenarios"] = scenarios,
            });
        }

        var root = new JsonObject
        {
            ["commandLine"] = report.CommandLine,
            ["target"] = report.Target,
            ["insecure"] = report.Insecure,
            ["tlsClient"] = report.TlsClient,
            ["machine"] = report.Machine,
            ["started"] = report.Started.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["passed"] = report.Passed,
            ["plans"] = plans,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonObject Scenario(ScenarioResult result)
    {
        var windows = new JsonArray();
        foreach (ScenarioStats window in result.Windows)
        {
            windows.Add(Stats(window));
        }

        var thresholds = new JsonArray();
        foreach (ThresholdResult threshold in result.Thresholds)
        {
            thresholds.Add(new JsonObject { ["name"] = threshold.Name, ["rule"] = threshold.Rule, ["actual"] = threshold.Actual, ["passed"] = threshold.Passed });
        }

        var timeline = new JsonArray();
        foreach (TimelineSecond second in result.Timeline)
        {
            timeline.Add(new JsonObject
            {
                ["second"] = second.Second,
                ["iterations"] = second.Iterations,
                ["errors"] = second.Errors,
                ["requests"] = second.Requests,
                ["handshakes"] = second.Handshakes,
                ["inFlight"] = second.InFlight,
                ["p50Ms"] = Figures.Json(second.Latency.P50Ms),
                ["p99Ms"] = Figures.Json(second.Latency.P99Ms),
                ["maxMs"] = Figures.Json(second.Latency.MaxMs),
            });
        }

        var simulations = new JsonArray();
        foreach (LoadSimulation simulation in result.Definition.Simulations)
        {
            simulations.Add(simulation.ToString());
        }

        return new JsonObject
        {
            ["name"] = result.Definition.Name,
            ["description"] = result.Definition.Description,
            ["background"] = result.Definition.IsBackground,
            ["simulations"] = simulations,
            ["passed"] = result.Passed,
            ["stats"] = Stats(result.Stats),
            ["windows"] = windows,
            ["thresholds"] = thresholds,
            ["timeline"] = timeline,
        };
    }

    private static JsonObject Stats(ScenarioStats stats)
    {
        var errors = new JsonObject();
        foreach ((string kind, long count) in stats.ErrorsByKind)
        {
            errors[kind] = count;
        }

        return new JsonObject
        {
            ["window"] = stats.Window,
            ["seconds"] = Figures.Json(stats.Seconds),
            ["iterations"] = stats.Iterations,
            ["iterationsPerSecond"] = Figures.Json(stats.IterationsPerSecond),
            ["requests"] = stats.Requests,
            ["requestsPerSecond"] = Figures.Json(stats.RequestsPerSecond),
            ["handshakes"] = stats.Handshakes,
            ["handshakesPerSecond"] = Figures.Json(stats.HandshakesPerSecond),
            ["resumedHandshakes"] = stats.ResumedHandshakes,
            ["resumedPercent"] = Figures.Json(stats.ResumedPercent),
            ["errors"] = stats.Errors,
            ["errorPercent"] = Figures.Json(stats.ErrorPercent),
            ["errorsByKind"] = errors,
            ["bytesSent"] = stats.BytesSent,
            ["bytesReceived"] = stats.BytesReceived,
            ["latencyMs"] = new JsonObject
            {
                ["p50"] = Figures.Json(stats.Latency.P50Ms),
                ["p90"] = Figures.Json(stats.Latency.P90Ms),
                ["p99"] = Figures.Json(stats.Latency.P99Ms),
                ["p99.9"] = Figures.Json(stats.Latency.P999Ms),
                ["max"] = Figures.Json(stats.Latency.MaxMs),
                ["mean"] = Figures.Json(stats.Latency.MeanMs),
            },
        };
    }
}
