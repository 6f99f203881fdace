using System.Diagnostics;

namespace Terminator.MacroBench;

internal sealed class TerminatorContender(string daemonPath, IReadOnlyDictionary<string, string> extraEnvironment) : Contender
{
    public override string Name => "Terminator";

    public override Process Start(BenchLayout layout, int port, int upstreamPort)
    {
        var environment = new Dictionary<string, string>(extraEnvironment)
        {
            ["TERMINATOR_CERT_DIR"] = layout.FlatDirectory,
            ["TERMINATOR_HTTPS_LISTEN"] = $"127.0.0.1:{port}",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
            ["TERMINATOR_UPSTREAM"] = $"http://127.0.0.1:{upstreamPort}",
            ["TERMINATOR_LOG_LEVEL"] = "warn",
        };
        return Launch(layout, "terminator", "dotnet", [daemonPath], environment);
    }

    public override void Reload(Process process) => Signal(process, 1); // SIGHUP
}
