namespace Terminator.Tests.TestHelpers;

/// <summary>A fact that needs both PostgreSQL's server binaries and Pebble: skipped, saying which is missing, otherwise
/// (<c>.ci/run</c> installs both, so CI never skips).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresPebbleFactAttribute : FactAttribute
{
    public PostgresPebbleFactAttribute()
    {
        Skip = PostgresCluster.FindBinaries() is null ? new PostgresFactAttribute().Skip
            : !PebbleProcess.IsInstalled ? new PebbleFactAttribute().Skip
            : null;
    }
}
