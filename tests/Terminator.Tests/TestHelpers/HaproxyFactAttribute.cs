namespace Terminator.Tests.TestHelpers;

/// <summary>A fact that runs against a real HAProxy: skipped, saying how to get it, only when HAProxy is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class HaproxyFactAttribute : FactAttribute
{
    public HaproxyFactAttribute()
    {
        if (!HaproxyProcess.IsInstalled)
        {
            Skip = "haproxy is not installed (neither on PATH nor /usr/sbin/haproxy): apt-get install -y -q haproxy (.ci/run installs it)";
        }
    }
}
