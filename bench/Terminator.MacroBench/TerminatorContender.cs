using System.Diagnostics;

namespace Terminator.MacroBench;

internal sealed class TerminatorContender(string daemonPath) : Contender
{
    public override string Name => "Terminator";

    public override Process Start(BenchLayout layout, int port, int upstreamPort) =>
        Launch(layout, "terminator", "dotnet", [daemonPath], new Dictionary<string, string>
        {
            ["TERMINATOR_CERT_DIR"] = layout.FlatDirectory,
            ["TERMINATOR_HTTPS_LISTEN"] = $"127.0.0.1:{port}",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
            ["TERMINATOR_UPSTREAM"] = $"http://127.0.0.1:{upstreamPort}",
            ["TERMINATOR_LOG_LEVEL"] = "warn",
        });

    public override void Reload(Process process) => Signal(process, 1); // SIGHUP
}
