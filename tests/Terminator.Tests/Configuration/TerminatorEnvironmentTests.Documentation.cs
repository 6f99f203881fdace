using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

/// <summary>The self-documentation surface: variable list, README table, --help text, process environment.</summary>
public sealed partial class TerminatorEnvironmentTests
{
    [Fact]
    public void Variables_CoverEveryOptionOnce()
    {
        var names = TerminatorEnvironment.Variables.Select(v => v.Name).ToList();
        Assert.Equal(66, names.Count);
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(TerminatorEnvironment.Variables, v =>
        {
            Assert.StartsWith(TerminatorEnvironment.Prefix, v.Name, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(v.Description));
        });
        Assert.Equal("TERMINATOR_HTTPS_LISTEN", names[0]);
    }

    [Fact]
    public void ToMarkdownTable_ContainsEveryVariableAndHeader()
    {
        string table = TerminatorEnvironment.ToMarkdownTable();
        string[] lines = table.TrimEnd('\n').Split('\n');
        Assert.Equal("| Variable | Default | Meaning |", lines[0]);
        Assert.Equal("|---|---|---|", lines[1]);
        Assert.Equal(TerminatorEnvironment.Variables.Count + 2, lines.Length);
        foreach (EnvironmentVariableInfo v in TerminatorEnvironment.Variables)
        {
            Assert.Contains($"| `{v.Name}` |", table, StringComparison.Ordinal);
        }

        Assert.Contains("| `TERMINATOR_DEFAULT_CERT` | *(unset)* |", table, StringComparison.Ordinal);
        Assert.All(lines.Where(l => !l.StartsWith("|---", StringComparison.Ordinal)), l =>
        {
            Assert.StartsWith("| ", l, StringComparison.Ordinal);
            Assert.EndsWith(" |", l, StringComparison.Ordinal);
            Assert.Equal(3, l.Split(" | ").Length); // exactly three cells: no unescaped '|' in a description
        });
    }

    [Fact]
    public void WriteHelp_ListsModesAndEveryVariable()
    {
        using var writer = new StringWriter();
        TerminatorEnvironment.WriteHelp(writer);
        string help = writer.ToString();
        Assert.Contains("terminator            run the daemon from TERMINATOR_* variables", help, StringComparison.Ordinal);
        Assert.Contains("terminator demo       run the embedded default (throwaway CA, sample origin, 127.0.0.1 ports)", help, StringComparison.Ordinal);
        Assert.Contains("terminator --help", help, StringComparison.Ordinal);
        foreach (EnvironmentVariableInfo v in TerminatorEnvironment.Variables)
        {
            Assert.Contains($"  {v.Name} [", help, StringComparison.Ordinal);
        }

        Assert.Contains("TERMINATOR_HANDSHAKE_TIMEOUT [10s]", help, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadProcessEnvironment_ReturnsOnlyTerminatorNames()
    {
        const string Name = "TERMINATOR_TEST_READPROCESSENVIRONMENT";
        Environment.SetEnvironmentVariable(Name, "yes");
        try
        {
            IReadOnlyDictionary<string, string?> env = TerminatorEnvironment.ReadProcessEnvironment();
            Assert.Equal("yes", env[Name]);
            Assert.All(env.Keys, k => Assert.StartsWith("TERMINATOR_", k, StringComparison.OrdinalIgnoreCase));
            Assert.False(env.ContainsKey("PATH"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(Name, null);
        }
    }
}
