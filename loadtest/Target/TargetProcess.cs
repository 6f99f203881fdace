using System.Collections.Concurrent;
using System.Diagnostics;

namespace Terminator.LoadTest.Target;

/// <summary>
/// A target the runner started as a child process (the demo, or the daemon on its own store): its stdout and stderr are
/// read into a bounded tail (the last 200 lines), which the target scans for its ready line and shows on a start-up
/// failure; disposing kills the process tree and waits for it (at most 10 s).
/// </summary>
internal sealed class TargetProcess : IAsyncDisposable
{
    private const int KeptLines = 200;

    private readonly ConcurrentQueue<string> _output = new();

    public TargetProcess(Process process)
    {
        Process = process;
        Process.OutputDataReceived += (_, e) => Keep(e.Data);
        Process.ErrorDataReceived += (_, e) => Keep(e.Data);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public bool HasExited => Process.HasExited;

    /// <summary>The kept lines, oldest first (a snapshot: safe while lines keep arriving).</summary>
    public IEnumerable<string> Lines => _output;

    /// <summary>The last lines the process printed (for a start-up failure).</summary>
    public string RecentOutput => string.Join('\n', _output.TakeLast(20));

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > KeptLines && _output.TryDequeue(out _))
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await Process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        Process.Dispose();
    }
}
