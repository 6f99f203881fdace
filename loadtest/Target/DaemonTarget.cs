using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.LoadTest.Client;

namespace Terminator.LoadTest.Target;

/// <summary>
/// The real daemon (<c>terminator</c> with no command) as a child process, for scenarios that need what the demo does
/// not have: an encrypted certificate store (<c>TERMINATOR_STORE_DIR</c>, a throwaway <c>TERMINATOR_STORE_KEY</c>) that
/// <c>terminator certs</c> changes while it serves. HTTPS on an ephemeral loopback port, no plain HTTP, the admin
/// listener on an ephemeral port, the given upstream. It learns its port from the daemon's <c>ready:</c> line.
/// </summary>
internal sealed class DaemonTarget : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TargetProcess _process;

    private DaemonTarget(Process process, string storeDirectory, string storeKey)
    {
        _process = new TargetProcess(process);
        StoreDirectory = storeDirectory;
        StoreKey = storeKey;
    }

    public TargetInfo Info { get; private set; } = null!;

    public string CommandLine { get; private set; } = "";

    public string StoreDirectory { get; }

    /// <summary>Base64 of 32 random bytes, made for this run; handed only to the daemon and to <c>terminator certs</c>
    /// through their environment, never printed.</summary>
    public string StoreKey { get; }

    /// <summary>The last lines the daemon printed (for a start-up failure).</summary>
    public string RecentOutput => _process.RecentOutput;

    /// <summary>A fresh store folder and key under <paramref name="workdir"/> (not yet created: the first
    /// <c>certs import</c> creates it with mode 700).</summary>
    public static (string Directory, string Key) NewStore(string workdir) =>
        (Path.Combine(workdir, "store"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    /// <summary>The environment the daemon and <c>terminator certs</c> share: the store and its key, and no other
    /// TERMINATOR_* variable from the runner's own environment.</summary>
    public static void UseStoreEnvironment(ProcessStartInfo info, string storeDirectory, string storeKey)
    {
        // NOTIFY_SOCKET too: a runner started under systemd must not have its daemon report readiness to it.
        foreach (string key in info.Environment.Keys.Where(static k => k.StartsWith("TERMINATOR_", StringComparison.Ordinal) || k == "NOTIFY_SOCKET").ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["TERMINATOR_STORE_DIR"] = storeDirectory;
        info.Environment["TERMINATOR_STORE_KEY"] = storeKey;
    }

    /// <summary>Starts the daemon on an existing store (at least one entry: a daemon with nothing to serve exits 2).</summary>
    /// <param name="names">The names to load-test (the store's at start).</param>
    /// <param name="roots">The CA the store's certificates chain to.</param>
    public static async Task<DaemonTarget> StartAsync(string daemonDll, string workdir, string storeDirectory, string storeKey, IPEndPoint upstream,
        IReadOnlyList<string> names, X509Certificate2Collection roots, bool insecure, TlsEngineKind engine, string? cpus, CancellationToken cancellationToken)
    {
        ProcessStartInfo info = DotnetCommand(daemonDll, cpus, workdir);
        UseStoreEnvironment(info, storeDirectory, storeKey);
        info.Environment["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0";
        info.Environment["TERMINATOR_HTTP_LISTEN"] = "off";
        info.Environment["TERMINATOR_ADMIN_LISTEN"] = "127.0.0.1:0";
        info.Environment["TERMINATOR_UPSTREAM"] = $"http://{upstream}";
        var target = new DaemonTarget(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"), storeDirectory, storeKey)
        {
            CommandLine = "TERMINATOR_STORE_DIR=... TERMINATOR_STORE_KEY=(random) TERMINATOR_HTTPS_LISTEN=127.0.0.1:0 TERMINATOR_HTTP_LISTEN=off " +
                $"TERMINATOR_UPSTREAM=http://{upstream} {info.FileName} {string.Join(' ', info.ArgumentList)}",
        };
        try
        {
            await target.LearnAsync(names, roots, insecure, engine, cancellationToken).ConfigureAwait(false);
            return target;
        }
        catch
        {
            await target.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary><c>dotnet terminator.dll</c>, behind <c>taskset -c</c> when pinned (taskset execs dotnet, so the
    /// process id stays the daemon's).</summary>
    public static ProcessStartInfo DotnetCommand(string daemonDll, string? cpus, string workdir)
    {
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
        InlineSocketCompletions.KeepOutOf(info);
        return info;
    }

    private async Task LearnAsync(IReadOnlyList<string> names, X509Certificate2Collection roots, bool insecure, TlsEngineKind engine, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            foreach (string line in _process.Lines)
            {
                // "... ready: 9 names from 9 certificates; https 127.0.0.1:41234; http off; upstream ...; admin ..."
                int at = line.IndexOf("ready: ", StringComparison.Ordinal);
                int https = line.IndexOf("; https ", StringComparison.Ordinal);
                if (at < 0 || https < 0)
                {
                    continue;
                }

                string address = line[(https + 8)..];
                int end = address.IndexOf(';', StringComparison.Ordinal);
                IPEndPoint endPoint = IPEndPoint.Parse(end < 0 ? address : address[..end]);
                Info = new TargetInfo($"daemon ({CommandLine}) on {endPoint}", endPoint, new NameSet(names), new TlsSettings(roots, insecure, engine), _process.Process.Id);
                await TargetReadiness.WaitAsync(Info, StartTimeout - clock.Elapsed, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"the daemon did not print its ready line within {StartTimeout.TotalSeconds:0}s (exited: {_process.HasExited}):\n{RecentOutput}");
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
