using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

/// <summary>The README documents exactly the variables the daemon reads, with their defaults.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public void Readme_EnvironmentTable_MatchesTheCode()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        int start = readme.IndexOf("<!-- env-table:start -->", StringComparison.Ordinal) + "<!-- env-table:start -->".Length;
        int end = readme.IndexOf("<!-- env-table:end -->", StringComparison.Ordinal);

        string documented = readme[start..end].Trim().ReplaceLineEndings("\n");

        Assert.Equal(TerminatorEnvironment.ToMarkdownTable().Trim().ReplaceLineEndings("\n"), documented);
    }

    [Fact]
    public void Readme_StartsWithTheTwoSetupCommands()
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "README.md"));
        int fence = Array.IndexOf(lines, "```sh");

        Assert.StartsWith("dotnet run --project src/Terminator.Daemon -c Release -- demo", lines[fence + 1], StringComparison.Ordinal);
        Assert.StartsWith("dotnet test Terminator.sln -c Release", lines[fence + 2], StringComparison.Ordinal);
        Assert.Contains("dotnet test Terminator.sln -c Release", File.ReadAllText(Path.Combine(RepositoryRoot(), ".ci", "run")), StringComparison.Ordinal);
    }

    internal static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "Terminator.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new InvalidOperationException("Terminator.sln not found above the test binaries");
    }
}
