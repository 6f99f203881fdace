namespace Terminator.LoadTest.Reporting;

/// <summary>A whole run: how it was invoked, against what, on which machine, and every plan's report.</summary>
internal sealed record RunReport(
    string CommandLine,
    string Target,
    bool Insecure,
    string Machine,
    DateTimeOffset Started,
    IReadOnlyList<PlanReport> Plans)
{
    public bool Passed => Plans.All(static p => p.Passed);

    /// <summary>The client's TLS engine (<c>--tls-engine</c>): "openssl" or "sslstream".</summary>
    public string TlsClient { get; init; } = "openssl";

    /// <summary>"8 cores, Linux 6.1, .NET 10.0.1" (and the CPU model when /proc/cpuinfo names it).</summary>
    public static string DescribeMachine()
    {
        string model = "";
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    model = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() + ", ";
                    break;
                }
            }
        }
        catch (IOException)
        {
        }

        return $"{model}{Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
