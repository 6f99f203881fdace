namespace Terminator.Tests.TestHelpers;

/// <summary>A fact that needs PostgreSQL's server binaries (initdb, pg_ctl): skipped, saying how to get them, when they
/// are not installed (<c>.ci/run</c> installs Debian's postgresql, so CI never skips).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresCluster.FindBinaries() is null)
        {
            Skip = "PostgreSQL is not installed: apt-get install -y -q postgresql (.ci/run installs it)";
        }
    }
}
