using Terminator.Tests.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Bench;

/// <summary>
/// <c>bench/macro.sh</c>'s package install, run for real with its external tools faked: apt-get, dotnet and taskset
/// only log what they were asked (apt-get also asks policy-rc.d what it says about starting nginx), and POLICY_RC_D
/// points policy-rc.d into a temporary folder, so neither the host's packages nor its /usr/sbin are touched. nginx and
/// haproxy are never on the faked PATH, so the install branch always runs.
/// </summary>
public sealed class MacroScriptTests : IDisposable
{
    private const int Forbidden = 101;   // policy-rc.d's "action forbidden" (Debian invoke-rc.d)

    private readonly TempDirectory _root = new("macro-sh");

    private string PolicyRcD => Path.Combine(_root.FullName, "policy-rc.d");

    private string Log => Path.Combine(_root.FullName, "log");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Install_HostHasNoPolicyRcD_BlocksServiceStartsDuringTheInstallThenRemovesIt()
    {
        (int exit, string output) = await RunMacroAsync();

        Assert.True(exit == 0, output);
        string log = await File.ReadAllTextAsync(Log);
        Assert.Contains($"apt-get update -q policy-rc.d={Forbidden}", log, StringComparison.Ordinal);
        Assert.Contains($"apt-get install -y -q nginx haproxy util-linux policy-rc.d={Forbidden}", log, StringComparison.Ordinal);
        Assert.False(File.Exists(PolicyRcD), "policy-rc.d left behind:\n" + log);
        // The rest of the script ran as before.
        Assert.Contains("dotnet publish src/Terminator.Daemon", log, StringComparison.Ordinal);
        Assert.Contains("taskset -c 1 dotnet bench/Terminator.MacroBench/bin/Release/net10.0/Terminator.MacroBench.dll --terminator /tmp/terminator-macrobench-bin/terminator.dll --out bench/results/", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_Fails_PolicyRcDStillRemoved()
    {
        (int exit, string output) = await RunMacroAsync(("APT_INSTALL_EXIT", "100"));

        Assert.True(exit == 100, $"exit {exit}: {output}");
        Assert.Contains($"apt-get install -y -q nginx haproxy util-linux policy-rc.d={Forbidden}", await File.ReadAllTextAsync(Log), StringComparison.Ordinal);
        Assert.False(File.Exists(PolicyRcD), "policy-rc.d left behind after a failed install");
    }

    [Fact]
    public async Task Install_HostAlreadyHasPolicyRcD_UsedAndLeftExactlyAsItWas()
    {
        const string hosts = "#!/bin/sh\n# the host's own policy\nexit 104\n";
        await File.WriteAllTextAsync(PolicyRcD, hosts);
        File.SetUnixFileMode(PolicyRcD, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        (int exit, string output) = await RunMacroAsync();

        Assert.True(exit == 0, output);
        Assert.Contains("apt-get install -y -q nginx haproxy util-linux policy-rc.d=104", await File.ReadAllTextAsync(Log), StringComparison.Ordinal);
        Assert.Equal(hosts, await File.ReadAllTextAsync(PolicyRcD));
    }

    private async Task<(int ExitCode, string Output)> RunMacroAsync(params (string Name, string Value)[] environment)
    {
        string bin = Directory.CreateDirectory(Path.Combine(_root.FullName, "bin")).FullName;
        // The fakes: each logs its command line; apt-get also runs policy-rc.d the way invoke-rc.d would and logs its answer.
        await Fake(bin, "apt-get", """
            answer=127; [ -x "$POLICY_RC_D" ] && { "$POLICY_RC_D" nginx start; answer=$?; }
            echo "apt-get $* policy-rc.d=$answer" >> "$LOG"
            [ "$1" = install ] && exit "${APT_INSTALL_EXIT:-0}"
            exit 0
            """);
        await Fake(bin, "dotnet", "echo \"dotnet $*\" >> \"$LOG\"");
        await Fake(bin, "taskset", "echo \"taskset $*\" >> \"$LOG\"");
        // The real tools the script itself uses; nothing else is on PATH.
        foreach (string tool in new[] { "dirname", "date", "chmod", "rm" })
        {
            string real = new[] { "/usr/bin/" + tool, "/bin/" + tool }.First(File.Exists);
            File.CreateSymbolicLink(Path.Combine(bin, tool), real);
        }

        (int exit, string stdout, string stderr) = await ToolProcess.RunAsync("/bin/bash", [Path.Combine(ReadmeTests.RepositoryRoot(), "bench", "macro.sh")],
            configure: info =>
            {
                info.Environment["PATH"] = bin;
                info.Environment["POLICY_RC_D"] = PolicyRcD;
                info.Environment["LOG"] = Log;
                foreach ((string name, string value) in environment)
                {
                    info.Environment[name] = value;
                }
            });
        return (exit, stdout + stderr);
    }

    private static async Task Fake(string bin, string name, string body)
    {
        string path = Path.Combine(bin, name);
        await File.WriteAllTextAsync(path, "#!/bin/bash\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
