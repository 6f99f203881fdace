using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Terminator.LoadTest.Client;

namespace Terminator.LoadTest.Target;

/// <summary>
/// <c>--target demo</c>: <c>terminator demo</c> as a child process in a fresh working directory. It learns what the
/// demo prints: the HTTPS port and names from the "https" line, the throwaway CA from <c>.terminator-demo/ca.pem</c> in
/// that directory. <c>--break-upstream</c> starts it with <c>--upstream</c> pointing at a loopback port nothing listens
/// on, so every request gets the terminator's upstream error; <c>upstream-flap</c> starts a second one in front of the
/// origin the runner owns.
/// </summary>
internal sealed class DemoTarget : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TargetProcess _process;
    private readonly string _workdir;

    private DemoTarget(Process process, string workdir)
    {
        _process = new TargetProcess(process);
        _workdir = workdir;
    }

    public TargetInfo Info { get; private set; } = null!;

    /// <summary>The demo's command line, for the report.</summary>
    public string CommandLine { get; private set; } = "";

    /// <param name="cpus">Pins the demo with <c>taskset -c</c> (which execs dotnet, so the process id stays the demo's).</param>
    /// <param name="upstream">Passed as <c>--upstream</c>; null: the demo's own sample origin.</param>
    public static async Task<DemoTarget> StartAsync(string daemonDll, IPEndPoint? upstream, bool insecure, TlsEngineKind engine, string? cpus, CancellationToken cancellationToken)
    {
        string workdir = Directory.CreateTempSubdirectory("terminator-loadtest-demo-").FullName;
        var info = new ProcessStartInfo(cpus is null ? "dotnet" : "taskset")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workdir,
        };
        if (cpus is not null)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(cpus);
            info.ArgumentList.Add("dotnet");
        }

        info.ArgumentList.Add(daemonDll);
        info.ArgumentList.Add("demo");
        if (upstream is not null)
        {
            info.ArgumentList.Add("--upstream");
            info.ArgumentList.Add(upstream.ToString());
        }

        foreach (string key in info.Environment.Keys.Where(static k => k.StartsWith("TERMINATOR_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        InlineSocketCompletions.KeepOutOf(info);

        var target = new DemoTarget(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"), workdir)
        {
            CommandLine = info.FileName + " " + string.Join(' ', info.ArgumentList),
        };
        try
        {
            await target.LearnAsync(insecure, engine, cancellationToken).ConfigureAwait(false);
            return target;
        }
        catch
        {
            await target.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The last lines the demo printed (for a start-up failure).</summary>
    public string RecentOutput => _process.RecentOutput;

    private async Task LearnAsync(bool insecure, TlsEngineKind engine, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            foreach (string line in _process.Lines)
            {
                // "  https     127.0.0.1:8443  click.example.com, email.shop.example, *.track.example.net"
                string trimmed = line.Trim();
                if (!trimmed.StartsWith("https ", StringComparison.Ordinal))
                {
                    continue;
                }

                string[] parts = trimmed.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                IPEndPoint endPoint = IPEndPoint.Parse(parts[1]);
                string[] names = parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                string ca = Path.Combine(_workdir, ".terminator-demo", "ca.pem");
                var roots = new X509Certificate2Collection();
                roots.ImportFromPemFile(ca);
                Info = new TargetInfo($"demo ({CommandLine}) on {endPoint}", endPoint, new NameSet(names), new TlsSettings(roots, insecure, engine), _process.Process.Id);
                await TargetReadiness.WaitAsync(Info, StartTimeout - clock.Elapsed, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"the demo did not print its https line within {StartTimeout.TotalSeconds:0}s (exited: {_process.HasExited}):\n{RecentOutput}");
    }

    /// <summary>A loopback port that was free a moment ago: connections to it are refused.</summary>
    public static IPEndPoint DeadUpstream()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)probe.LocalEndPoint!).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_workdir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
