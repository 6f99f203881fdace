using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Terminator.Daemon;
using Terminator.Tests.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Daemon;

/// <summary>
/// <c>terminator --version</c> / <c>terminator version</c>: the real executable prints its version, the commit it was
/// built from (embedded by Directory.Build.targets), the .NET runtime and the OpenSSL the runtime loaded, and exits 0.
/// </summary>
public sealed class VersionCommandTests
{
    [Theory]
    [InlineData("--version")]
    [InlineData("version")]
    public async Task Process_PrintsFourLinesAndExitsZero(string argument)
    {
        await using DaemonProcess process = DaemonProcess.Start(argument, new Dictionary<string, string>
        {
            // Not read by --version: a configuration that would stop the daemon must not stop it answering.
            ["TERMINATOR_UPSTREAM"] = "not a url",
        });
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await Eventually.TrueAsync(() => process.StandardOutput.Split('\n').Length >= 4, TimeSpan.FromSeconds(5));
        string[] lines = process.StandardOutput.Split('\n');

        (string version, string commit) = VersionCommand.Describe(typeof(VersionCommand).Assembly);
        Assert.Equal(
            [$"terminator {version}", $"commit {commit}", $"runtime {RuntimeInformation.FrameworkDescription}",
             $"openssl {VersionCommand.FormatOpenSslVersion(SafeEvpPKeyHandle.OpenSslVersion)}"],
            lines);
        Assert.Equal(string.Empty, process.StandardError);
        Assert.Matches(@"^\d+\.\d+\.\d+", version);
        Assert.Matches(@"^openssl 3\.\d+\.\d+$", lines[3]);   // the daemon requires OpenSSL 3
    }

    [Fact]
    public async Task Commit_SameInEveryAssembly_AndACommitOfThisRepository()
    {
        (_, string daemonCommit) = VersionCommand.Describe(typeof(VersionCommand).Assembly);
        (_, string testsCommit) = VersionCommand.Describe(Assembly.GetExecutingAssembly());
        Assert.Equal(testsCommit, daemonCommit);   // one build, one commit
        if (daemonCommit == VersionCommand.UnknownCommit)
        {
            return; // built outside a git checkout: nothing more to compare with
        }

        Assert.Matches("^[0-9a-f]{40}$", daemonCommit);
        (int exit, string type) = await DaemonProcess.RunToolAsync("git", ["-C", ReadmeTests.RepositoryRoot(), "cat-file", "-t", daemonCommit]);
        Assert.True(exit == 0, type);
        Assert.Equal("commit", type.Trim());
    }

    [Theory]
    [InlineData(0x30000130L, "3.0.19")]
    [InlineData(0x30200010L, "3.2.1")]
    [InlineData(0x30500000L, "3.5.0")]
    [InlineData(0x1010117FL, "1.1.1w")]
    [InlineData(0x1010100FL, "1.1.1")]
    public void FormatOpenSslVersion_DecodesOpenSslVersionNumber(long number, string expected)
    {
        Assert.Equal(expected, VersionCommand.FormatOpenSslVersion(number));
    }

    [Fact]
    public void Help_ListsVersion()
    {
        using var writer = new StringWriter();
        Terminator.Configuration.TerminatorEnvironment.WriteHelp(writer);

        Assert.Contains("terminator --version  print the version, git commit, .NET runtime and OpenSSL version", writer.ToString(), StringComparison.Ordinal);
    }
}
