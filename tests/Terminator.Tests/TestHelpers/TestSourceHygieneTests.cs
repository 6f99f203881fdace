using System.Text.RegularExpressions;
using Terminator.Tests.Configuration;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// Keeps the blatant form of the flaky wait out of the test sources: a fixed pause whose very next statement asserts, as
/// in "delay 50 ms, then assert the FIN was seen". Deliberately narrow, so it never flags a pause that is the scenario
/// (a slow client between bytes, an upstream that stalls mid-body), which is always followed by the next action instead.
/// A pause followed by an action and then an assertion is not caught; review still has to. Also keeps temporary files
/// and directories on <see cref="TempDirectory"/>, which deletes them.
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

    /// <summary>
    /// Temporary files and directories only through <see cref="TempDirectory"/>, which names them terminator-&lt;purpose&gt;-*
    /// and deletes them: a bare Directory.CreateTempSubdirectory or Path.GetTempFileName, or a fresh name built under
    /// Path.GetTempPath(), is how a run came to leave ~10 directories (some with private keys) in /tmp every time.
    /// </summary>
    [Fact]
    public void TestSources_TemporaryFilesOnlyThroughTempDirectory()
    {
        string helper = Path.Combine("TestHelpers", nameof(TempDirectory) + ".cs");
        var offenders = new List<string>();
        foreach ((string file, string[] lines) in TestSources())
        {
            if (file == helper)
            {
                continue;
            }

            for (int i = 0; i < lines.Length; i++)
            {
                if (BareTemporaryPath().IsMatch(lines[i]) && !lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal))
                {
                    offenders.Add($"{file}:{i + 1}");
                }
            }
        }

        Assert.True(offenders.Count == 0,
            "a temporary file or directory made without TempDirectory (nothing deletes it on failure): " + string.Join(", ", offenders));
    }

    /// <summary>
    /// Every TempDirectory a test makes is disposed: a <c>using</c> declaration, or a variable or field with a
    /// <c>.Dispose()</c> call on it in the same file. One passed straight into a constructor belongs to that object,
    /// whose own dispose review has to check.
    /// </summary>
    [Fact]
    public void TestSources_EveryTempDirectoryIsDisposed()
    {
        var offenders = new List<string>();
        foreach ((string file, string[] lines) in TestSources())
        {
            string text = string.Join('\n', lines);
            for (int i = 0; i < lines.Length; i++)
            {
                Match made = TempDirectoryAssignment().Match(lines[i]);
                if (!made.Success || made.Groups["using"].Success || lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }

                string name = made.Groups["name"].Value;
                if (!Regex.IsMatch(text, $@"(?<![\w.]){Regex.Escape(name)}\.Dispose\(\)"))
                {
                    offenders.Add($"{file}:{i + 1} ({name})");
                }
            }
        }

        Assert.True(offenders.Count == 0, "a TempDirectory that nothing disposes: " + string.Join(", ", offenders));
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

    /// <summary>Directory.CreateTempSubdirectory(, Path.GetTempFileName(, or Path.GetTempPath() joined with an interpolated
    /// (per-run) name.</summary>
    [GeneratedRegex(@"\bCreateTempSubdirectory\s*\(|\bGetTempFileName\s*\(|\bGetTempPath\s*\(\s*\)\s*,\s*\$""")]
    private static partial Regex BareTemporaryPath();

    /// <summary>An assignment that makes a TempDirectory, optionally a <c>using</c> declaration: <c>x = new TempDirectory(</c>
    /// or, target-typed, <c>TempDirectory x = new(</c>.</summary>
    [GeneratedRegex(@"^\s*(?<using>using\s+)?(?:.*\bTempDirectory\s+(?<name>\w+)\s*=\s*new\s*\(|.*?\b(?<name>\w+)\s*=\s*new\s+TempDirectory\s*\()")]
    private static partial Regex TempDirectoryAssignment();
}
