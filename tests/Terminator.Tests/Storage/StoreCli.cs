using System.Diagnostics;

namespace Terminator.Tests.Storage;

/// <summary>Runs <c>terminator certs ...</c> (the real terminator.dll) with a controlled TERMINATOR_* environment.</summary>
internal static class StoreCli
{
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IDictionary<string, string> environment, params string[] arguments) =>
        RunAsync(environment, TimeSpan.FromSeconds(30), arguments);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IDictionary<string, string> environment, TimeSpan timeout, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "terminator.dll"));
        info.ArgumentList.Add("certs");
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("TERMINATOR_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach ((string key, string value) in environment)
        {
            info.Environment[key] = value;
        }

        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
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
}
