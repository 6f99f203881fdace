using System.Diagnostics;
using Terminator.LoadTest.Engine;
using Terminator.LoadTest.Target;
using static Terminator.LoadTest.Reporting.Figures;

namespace Terminator.LoadTest.Reporting;

/// <summary>
/// Watches one plan run: once a measured second closes it samples the target process from /proc (when it is local)
/// and shows progress, one line rewritten in place on a terminal, a plain line every 5 s otherwise (CI logs); it also
/// measures the client's own CPU over the measured time.
/// </summary>
internal sealed class RunObserver(string plan, int? targetPid, TextWriter output, bool interactive) : IRunObserver
{
    private readonly List<ProcessSample> _samples = [];
    private double _lastTargetCpu = double.NaN;
    private long _lastTimestamp;
    private double _clientCpuAtStart;
    private double _clientCpuAtEnd;
    private double _targetCpuAtStart = double.NaN;
    private double _targetCpuAtEnd = double.NaN;
    private long _measureStart;
    private long _measureEnd;

    public IReadOnlyList<ProcessSample> TargetSamples => _samples;

    public double ClientCpuSeconds => _clientCpuAtEnd - _clientCpuAtStart;

    /// <summary>The target's CPU over the measured time (utime + stime from /proc); NaN when no local process.</summary>
    public double TargetCpuSeconds => _targetCpuAtEnd - _targetCpuAtStart;

    public double MeasuredSeconds => Stopwatch.GetElapsedTime(_measureStart, _measureEnd).TotalSeconds;

    public void MeasurementStarted(IReadOnlyList<ScenarioDefinition> scenarios)
    {
        // Both sides from /proc/PID/stat (the same 10 ms ticks), so their ratio compares like with like.
        _clientCpuAtStart = _clientCpuAtEnd = ProcFs.CpuSeconds(Environment.ProcessId);
        _measureStart = _measureEnd = Stopwatch.GetTimestamp();
        if (targetPid is int pid)
        {
            _lastTargetCpu = _targetCpuAtStart = _targetCpuAtEnd = ProcFs.CpuSeconds(pid);
            _lastTimestamp = _measureStart;
        }
    }

    public void SecondClosed(int second, IReadOnlyList<(ScenarioDefinition Scenario, TimelineSecond Point)> points)
    {
        _clientCpuAtEnd = ProcFs.CpuSeconds(Environment.ProcessId);
        _measureEnd = Stopwatch.GetTimestamp();
        ProcessSample? sample = null;
        if (targetPid is int pid)
        {
            double cpu = ProcFs.CpuSeconds(pid);
            double elapsed = Stopwatch.GetElapsedTime(_lastTimestamp, _measureEnd).TotalSeconds;
            sample = new ProcessSample(plan, second, elapsed > 0 ? 100 * (cpu - _lastTargetCpu) / elapsed : double.NaN, ProcFs.RssMiB(pid));
            _lastTargetCpu = cpu;
            if (!double.IsNaN(cpu))
            {
                _targetCpuAtEnd = cpu;
            }

            _lastTimestamp = _measureEnd;
            _samples.Add(sample);
        }

        if (!interactive && second % 5 != 4)
        {
            return;
        }

        var line = new System.Text.StringBuilder();
        line.Append($"[{plan} {second + 1,3}s]");
        foreach ((ScenarioDefinition scenario, TimelineSecond point) in points)
        {
            line.Append($" {scenario.Name}: {point.Requests} req/s, p99 {F(point.Latency.P99Ms, "0.0")} ms, {point.Errors} err, {point.InFlight} in flight;");
        }

        if (sample is not null)
        {
            line.Append($" target {F(sample.CpuPercent, "0")}% cpu {F(sample.RssMiB, "0")} MiB");
        }

        if (interactive)
        {
            string text = line.ToString();
            int width = Console.IsOutputRedirected ? 200 : Math.Max(40, Console.WindowWidth - 1);
            output.Write("\r" + (text.Length > width ? text[..width] : text.PadRight(width)));
        }
        else
        {
            output.WriteLine(line.ToString());
        }
    }

    /// <summary>Ends the progress line on a terminal.</summary>
    public void Finish()
    {
        if (interactive)
        {
            output.WriteLine();
        }
    }
}
