namespace Terminator.Tests.TestHelpers;

/// <summary>
/// A fact that needs a command line tool which is not a base requirement of the suite: skipped, saying how to get the
/// tool, when it is not on PATH (<c>.ci/run</c> installs it, so CI never skips).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(string tool)
    {
        Tool = tool;
        if (!IsOnPath(tool))
        {
            Skip = $"{tool} is not on PATH: apt-get install -y -q {tool} (.ci/run installs it)";
        }
    }

    public string Tool { get; }

    public static bool IsOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, tool)));
}
