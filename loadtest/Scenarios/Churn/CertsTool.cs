using System.Diagnostics;
using Terminator.LoadTest.Target;

namespace Terminator.LoadTest.Scenarios.Churn;

/// <summary>
/// <c>terminator certs import|remove</c> as an operator runs them: a child process on the daemon's store, with the
/// store's variables only (pinned to the daemon's cores, so the tool's start-up competes with the server, not with the
/// client). Each call notes when the tool printed its <c>imported</c> or <c>removed</c> line, which it does after the
/// entry file is renamed into place or deleted: the moment the change is on disk.
/// </summary>
internal sealed class CertsTool(string daemonDll, string workdir, string storeDirectory, string storeKey, string? cpus)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>What one call did: its exit code, its stdout lines, and the Stopwatch timestamp of its first line
    /// starting with the expected word (0 when there was none).</summary>
    internal sealed record Outcome(int ExitCode, IReadOnlyList<string> Lines, long DoneTimestamp, string Stderr)
    {
        public bool Succeeded => ExitCode == 0 && DoneTimestamp != 0;

        /// <summary>The entry id of an <c>imported &lt;id&gt; [names] ...</c> line.</summary>
        public string? ImportedId => Lines.FirstOrDefault(static l => l.StartsWith("imported ", StringComparison.Ordinal))?.Split(' ')[1];

        public override string ToString() => $"exit {ExitCode}: {string.Join(" | ", Lines)} {Stderr}".Trim();
    }

    public Task<Outcome> ImportAsync(string path, CancellationToken cancellationToken) => RunAsync(["certs", "import", path], "imported ", cancellationToken);

    /// <summary>Removes an entry by its id (a renewal's old entry) or every entry holding a name.</summary>
    public Task<Outcome> RemoveAsync(string nameOrId, CancellationToken cancellationToken) => RunAsync(["certs", "remove", nameOrId], "removed ", cancellationToken);

    private async Task<Outcome> RunAsync(string[] arguments, string doneWord, CancellationToken cancellationToken)
    {
        ProcessStartInfo info = DaemonTarget.DotnetCommand(daemonDll, cpus, workdir);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        DaemonTarget.UseStoreEnvironment(info, storeDirectory, storeKey);
        using Process process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.StandardInput.Close();
        var lines = new List<string>();
        long done = 0;
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Patience);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false) is { } line)
            {
                if (done == 0 && line.StartsWith(doneWord, StringComparison.Ordinal))
                {
                    done = Stopwatch.GetTimestamp();
                }

                lines.Add(line);
            }

            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new Outcome(process.ExitCode, lines, done, await stderr.ConfigureAwait(false));
    }
}
