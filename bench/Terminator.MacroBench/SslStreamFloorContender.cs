using System.Diagnostics;

namespace Terminator.MacroBench;

/// <summary>
/// Not a peer but a yardstick (<c>--only floor</c>): <see cref="SslStreamFloorServer"/>, the least an SslStream-based
/// terminator must spend, run with the daemon's runtime settings (its runtimeconfig's: no tiered PGO, no thread-pool
/// spinning, background workstation GC; and native/terminator.service's DOTNET_* lines). It reads every certificate at start-up and never reloads, so the new-certificate step is skipped.
/// </summary>
internal sealed class SslStreamFloorContender : Contender
{
    public override string Name => "SslStream floor";

    public override bool ServesNewCertificates => false;

    public override Process Start(BenchLayout layout, int port, int upstreamPort) =>
        Launch(layout, "floor", "dotnet",
            [typeof(SslStreamFloorServer).Assembly.Location, "floor-server", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             upstreamPort.ToString(System.Globalization.CultureInfo.InvariantCulture), layout.FlatDirectory],
            new Dictionary<string, string>(TerminatorContender.DeployedRuntimeSettings())
            {
                ["DOTNET_TieredPGO"] = "0",
                ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0",
                ["DOTNET_gcConcurrent"] = "1",
            });

    public override void Reload(Process process)
    {
    }
}
