using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Storage;

/// <summary>Runs <c>terminator certs ...</c> (the real terminator.dll) with a controlled TERMINATOR_* environment.</summary>
internal static class StoreCli
{
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IDictionary<string, string> environment, params string[] arguments) =>
        RunAsync(environment, TimeSpan.FromSeconds(30), arguments);

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IDictionary<string, string> environment, TimeSpan timeout, params string[] arguments) =>
        ToolProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "terminator.dll"), "certs", .. arguments], timeout,
            configure: info => ToolProcess.UseTerminatorEnvironment(info, environment));
}
