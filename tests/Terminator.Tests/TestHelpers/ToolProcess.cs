using System.Diagnostics;

namespace Terminator.Tests.TestHelpers;

/// <summary>Runs a program to completion, bounded in time (killed with its children when it overruns), and returns its
/// exit code and both output streams. Every test that runs a command line tool goes through here.</summary>
internal static class ToolProcess
{
    /// <param name="configure">Adjusts the start info (environment, working directory) before the start.</param>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string file, IEnumerable<string> arguments, TimeSpan? timeout = null, string? standardInput = null, Action<ProcessStartInfo>? configure = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Always: a tool that reads stdin (openssl s_client) must see end of input, not the test host's stdin.
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        configure?.Invoke(info);
        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }

        process.StandardInput.Close();

        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Removes every TERMINATOR_* variable the test process inherited, and NOTIFY_SOCKET (a test run under
    /// systemd must not have its daemons notify the test's own service manager), then sets <paramref name="environment"/>.</summary>
    public static void UseTerminatorEnvironment(ProcessStartInfo info, IDictionary<string, string> environment)
    {
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("TERMINATOR_", StringComparison.Ordinal) || k == "NOTIFY_SOCKET").ToList())
        {
            info.Environment.Remove(key);
        }

        foreach ((string key, string value) in environment)
        {
            info.Environment[key] = value;
        }
    }
}
