namespace Terminator.Tests.TestHelpers;

/// <summary>
/// A fact about what root may do that nobody else can (give files away with chown): skipped, saying so, when the tests
/// do not run as root (<c>.ci/run</c> runs them as root in its container).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root")
        {
            Skip = $"needs root (runs as {Environment.UserName}): checks files root writes for another account";
        }
    }
}
