using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// The real daemon executable (terminator.dll, copied next to the tests) run as a child process with a controlled
/// environment; collects its output, and always stops it (SIGTERM, then SIGKILL) on dispose.
/// </summary>
public sealed partial class DaemonProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private DaemonProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _stdout.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _stderr.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string StandardOutput => string.Join('\n', _stdout);
    public string StandardError => string.Join('\n', _stderr);
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public static DaemonProcess Start(string? arguments, IDictionary<string, string> environment, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "terminator.dll"));
        if (arguments is not null)
        {
            info.ArgumentList.Add(arguments);
        }

        ToolProcess.UseTerminatorEnvironment(info, environment);
        // The admin listener runs on every daemon: an ephemeral port unless the test chose one, so daemons started side
        // by side never race for the default 127.0.0.1:9180.
        info.Environment.TryAdd("TERMINATOR_ADMIN_LISTEN", "127.0.0.1:0");
        return new DaemonProcess(Process.Start(info)!);
    }

    /// <summary>Waits until a line of stdout or stderr matches; returns the match.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            foreach (string line in _stdout.Concat(_stderr))
            {
                Match match = pattern.Match(line);
                if (match.Success)
                {
                    return match;
                }
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no line matching {pattern} (exited: {_process.HasExited})\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Signal(int signal) => _ = kill(_process.Id, signal);

    public const int SIGTERM = 15;
    public const int SIGHUP = 1;
    public const int SIGUSR1 = 10;
    public const int SIGKILL = 9;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    /// <summary>Runs a command line tool to completion (bounded) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToolAsync(string file, IEnumerable<string> arguments, string? standardInput = null, TimeSpan? timeout = null)
    {
        (int exit, string stdout, string stderr) = await ToolProcess.RunAsync(file, arguments, timeout ?? TimeSpan.FromSeconds(20), standardInput);
        return (exit, stdout + stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal(SIGTERM);
            try
            {
                await WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }
}
