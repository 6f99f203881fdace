using System.Reflection;
using Terminator.Tests.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Bench;

/// <summary>
/// <c>Terminator.MacroBench</c>'s command line, run as the real process (built next to the tests, see the csproj): help
/// and mistakes answer in a line or a page and exit, never with a stack trace, and never start a benchmark.
/// </summary>
public sealed class MacroBenchCommandLineTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--certs 100 --help")]
    public async Task Help_PrintsEveryOptionWithItsDefaultAndHowToRunIt_ExitsZero(string commandLine)
    {
        (int exit, string stdout, string stderr) = await RunAsync(commandLine);

        Assert.True(exit == 0, $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Equal("", stderr);
        Assert.Contains("bench/macro.sh", stdout, StringComparison.Ordinal);
        string[] lines = stdout.Split('\n');
        foreach ((string option, string defaultValue) in new[]
                 {
                     ("--certs", "10000"), ("--duration", "10"), ("--runs", "2"), ("--connections", "64"),
                     ("--handshake-concurrency", "16"), ("--workdir", Path.Combine(Path.GetTempPath(), "terminator-macrobench")),
                     ("--terminator", "none"), ("--out", "none"), ("--only", "terminator,nginx,haproxy"),
                     ("--terminator-source", "store"), ("--terminator-env", "none"),
                 })
        {
            Assert.True(lines.Any(l => l.TrimStart().StartsWith(option + " ", StringComparison.Ordinal) && l.EndsWith($"[{defaultValue}]", StringComparison.Ordinal)),
                $"no line for {option} with default [{defaultValue}] in:\n{stdout}");
        }
    }

    // None of these can start a benchmark, whichever way the tool checks them: each lacks --out (always required),
    // except the one whose --terminator does not exist.
    [Theory]
    [InlineData("--bogus", "--bogus")]
    [InlineData("--certs", "--certs")]
    [InlineData("--certs many", "--certs")]
    [InlineData("--runs 0", "--runs")]
    [InlineData("--only nginx,lighttpd", "lighttpd")]
    [InlineData("--terminator-source files", "--terminator-source")]
    [InlineData("--terminator-env NOEQUALS", "--terminator-env")]
    [InlineData("--only nginx", "--out")]
    [InlineData("--out x.md --terminator /nonexistent/terminator.dll", "--terminator")]
    [InlineData("load sideways 19443 10 1", "sideways")]
    [InlineData("load keepalive port 10 1", "port")]
    public async Task BadCommandLine_OneLineThenUsageOnStderr_ExitsTwo(string commandLine, string named)
    {
        (int exit, string stdout, string stderr) = await RunAsync(commandLine);

        Assert.True(exit == 2, $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Equal("", stdout);
        string first = stderr.Split('\n')[0];
        Assert.StartsWith("Terminator.MacroBench: ", first, StringComparison.Ordinal);
        Assert.Contains(named, first, StringComparison.Ordinal);
        Assert.Contains("bench/macro.sh", stderr, StringComparison.Ordinal);   // the usage follows
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string commandLine)
    {
        string dll = Path.Combine(ReadmeTests.RepositoryRoot(), typeof(MacroBenchCommandLineTests).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "MacroBenchDll").Value!);
        Assert.True(File.Exists(dll), $"{dll} not built");
        return await ToolProcess.RunAsync("dotnet", [dll, .. commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
    }
}
