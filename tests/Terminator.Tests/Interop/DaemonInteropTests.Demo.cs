using System.Text.RegularExpressions;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Interop;

/// <summary>The demo applies the feature variables (so an operator can try the micro-cache or JA4 on it) and says
/// which variables it ignores.</summary>
public sealed partial class DaemonInteropTests
{
    [Fact]
    public async Task Demo_AppliesFeatureVariables_SaysWhichItIgnores()
    {
        using var temp = new TempDirectory("demo");
        string workdir = temp.FullName;
        await using DaemonProcess daemon = DaemonProcess.Start("demo", new Dictionary<string, string>
        {
            ["TERMINATOR_CACHE_TTL"] = "30s",
            ["TERMINATOR_STORE_DIR"] = Path.Combine(workdir, "not-used"),
        }, workdir);

        Match click = await daemon.WaitForLineAsync(CurlClickLine(), TimeSpan.FromSeconds(30));
        (int firstExit, string first) = await DaemonProcess.RunToolAsync("bash", ["-c", click.Value.Trim()]);
        (int secondExit, string second) = await DaemonProcess.RunToolAsync("bash", ["-c", click.Value.Trim()]);

        Assert.Equal(0, firstExit);
        Assert.Equal(0, secondExit);
        Assert.DoesNotMatch(@"(?im)^age:", first);
        Assert.Matches(@"(?im)^age: \d+\r?$", second);   // the second click came from the micro-cache
        Assert.Contains("terminator demo: ignoring TERMINATOR_STORE_DIR", daemon.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(workdir, "not-used")));
    }

    [Fact]
    public async Task Demo_InvalidFeatureVariable_ExitsWithTheDaemonsMessage()
    {
        using var temp = new TempDirectory("demo");
        string workdir = temp.FullName;
        await using DaemonProcess daemon = DaemonProcess.Start("demo", new Dictionary<string, string>
        {
            ["TERMINATOR_CACHE_TTL"] = "banana",
        }, workdir);

        Assert.Equal(2, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("terminator: TERMINATOR_CACHE_TTL: 'banana' is not a duration", daemon.StandardError, StringComparison.Ordinal);
    }
}
