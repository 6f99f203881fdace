using Terminator.LoadTest.Engine;
using Terminator.LoadTest.Target;

namespace Terminator.LoadTest.Reporting;

/// <summary>One plan as run: its scenarios' results, what the client itself spent, and the target process over time.</summary>
internal sealed record PlanReport(
    string Name,
    string Description,
    IReadOnlyList<ScenarioResult> Scenarios,
    double MeasuredSeconds,
    double ClientCpuSeconds,
    IReadOnlyList<ProcessSample> TargetSamples,
    double TargetCpuSeconds = double.NaN)
{
    /// <summary>Figures the plan's scenarios measured beyond the engine's stats (upstream-flap's window, cert-churn's
    /// pick-up times and serials), as printed after the summary; one entry per plan part, lines indented.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public long Requests => Sum(static s => s.Requests);

    public long Handshakes => Sum(static s => s.Handshakes);

    /// <summary>Client CPU per request, in microseconds (all scenarios of the plan, abuse included).</summary>
    public double ClientCpuPerRequestMicroseconds => Requests == 0 ? double.NaN : ClientCpuSeconds * 1e6 / Requests;

    public double ClientCpuPerHandshakeMicroseconds => Handshakes == 0 ? double.NaN : ClientCpuSeconds * 1e6 / Handshakes;

    /// <summary>Target CPU per handshake, in microseconds (all of the target's CPU over the measured time divided by
    /// the plan's handshakes, so requests on kept-alive connections are in it too); NaN for a remote target.</summary>
    public double TargetCpuPerHandshakeMicroseconds => Handshakes == 0 ? double.NaN : TargetCpuSeconds * 1e6 / Handshakes;

    public double TargetCpuPerRequestMicroseconds => Requests == 0 ? double.NaN : TargetCpuSeconds * 1e6 / Requests;

    /// <summary>Client CPU over the measured time, 100 = one core.</summary>
    public double ClientCpuPercent => MeasuredSeconds <= 0 ? double.NaN : 100 * ClientCpuSeconds / MeasuredSeconds;

    public double TargetCpuPercentMean
    {
        get
        {
            double sum = 0;
            int count = 0;
            foreach (ProcessSample sample in TargetSamples)
            {
                if (!double.IsNaN(sample.CpuPercent))
                {
                    sum += sample.CpuPercent;
                    count++;
                }
            }

            return count == 0 ? double.NaN : sum / count;
        }
    }

    public double TargetRssMaxMiB
    {
        get
        {
            double max = double.NaN;
            foreach (ProcessSample sample in TargetSamples)
            {
                max = double.IsNaN(max) || sample.RssMiB > max ? sample.RssMiB : max;
            }

            return max;
        }
    }

    public bool Passed => Scenarios.All(static s => s.Passed);

    private long Sum(Func<ScenarioStats, long> figure)
    {
        long total = 0;
        foreach (ScenarioResult scenario in Scenarios)
        {
            total += figure(scenario.Stats);
        }

        return total;
    }
}
