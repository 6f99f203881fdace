using System.Text.RegularExpressions;
using Terminator.Tests.Configuration;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// Keeps the blatant form of the flaky wait out of the test sources: a fixed pause whose very next statement asserts, as
/// in "delay 50 ms, then assert the FIN was seen". Deliberately narrow, so it never flags a pause that is the scenario
/// (a slow client between bytes, an upstream that stalls mid-body), which is always followed by the next action instead.
/// A pause followed by an action and then an assertion is not caught; review still has to.
/// </summary>
public sealed partial class TestSourceHygieneTests
{
    [Fact]
    public void TestSources_NoFixedDelayRightBeforeAnAssertion()
    {
        var offenders = new List<string>();
        foreach ((string file, string[] lines) in TestSources())
        {
            for (int i = 0; i < lines.Length; i++)
            {
                if (!DelayStatement().IsMatch(lines[i]))
                {
                    continue;
                }

                string? next = lines.Skip(i + 1).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal));
                if (next is not null && next.StartsWith("Assert.", StringComparison.Ordinal))
                {
                    offenders.Add($"{file}:{i + 1}");
                }
            }
        }

        Assert.True(offenders.Count == 0,
            "a fixed delay followed by an assertion; wait for the condition (Eventually), make an absence window explicit " +
            "(Consistently), or drive the clock (ManualTimeProvider): " + string.Join(", ", offenders));
    }

    [Fact]
    public void TestSources_NoThreadSleep()
    {
        var offenders = new List<string>();
        foreach ((string file, string[] lines) in TestSources())
        {
            for (int i = 0; i < lines.Length; i++)
            {
                if (ThreadSleep().IsMatch(lines[i]) && !lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal))
                {
                    offenders.Add($"{file}:{i + 1}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "a blocking sleep in a test (it also holds a thread-pool thread): " + string.Join(", ", offenders));
    }

    private static IEnumerable<(string File, string[] Lines)> TestSources()
    {
        string project = Path.Combine(ReadmeTests.RepositoryRoot(), "tests", "Terminator.Tests");
        foreach (string path in Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(project, path);
            if (relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal) || relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            yield return (relative, File.ReadAllLines(path));
        }
    }

    /// <summary>A statement that is only a pause: <c>await Task.Delay(...);</c>, with an optional trailing comment.</summary>
    [GeneratedRegex(@"^\s*await\s+Task\.Delay\([^;]*\);\s*(//.*)?$")]
    private static partial Regex DelayStatement();

    [GeneratedRegex(@"\bThread\.Sleep\s*\(")]
    private static partial Regex ThreadSleep();
}
