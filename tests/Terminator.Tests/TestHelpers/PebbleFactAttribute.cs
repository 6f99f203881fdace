namespace Terminator.Tests.TestHelpers;

/// <summary>A fact that runs against a real Pebble: skipped, saying how to get it, only when Pebble is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PebbleFactAttribute : FactAttribute
{
    public PebbleFactAttribute()
    {
        if (!PebbleProcess.IsInstalled)
        {
            Skip = "pebble and pebble-challtestsrv are not on PATH: apt-get install -y -q pebble (.ci/run installs it)";
        }
    }
}
