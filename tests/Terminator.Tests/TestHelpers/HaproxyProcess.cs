using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// A real HAProxy (the Debian package; the PROXY protocol's reference implementation) in the foreground (<c>-db</c>)
/// with a configuration the test writes, on loopback ports the test reserves. Ready once its probe frontend accepts (a
/// frontend that rejects every connection, so probing sends nothing to the test's backends). Killed by its id on
/// dispose, with its temporary directory.
/// </summary>
public sealed class HaproxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TempDirectory _directory;

    private HaproxyProcess(Process process, TempDirectory directory)
    {
        _process = process;
        _directory = directory;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The binary: on PATH, or where Debian puts it (/usr/sbin, which a non-root PATH often lacks); null when absent.</summary>
    public static string? Executable { get; } =
        ToolFactAttribute.IsOnPath("haproxy") ? "haproxy" : File.Exists("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : null;

    public static bool IsInstalled => Executable is not null;

    /// <summary>Everything HAProxy printed so far (warnings, server state changes), for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>
    /// Starts HAProxy with <paramref name="proxies"/> (frontend/backend sections) after a global/defaults preamble in TCP
    /// mode, and waits until it listens.
    /// </summary>
    public static async Task<HaproxyProcess> StartAsync(string proxies, TimeSpan? timeout = null)
    {
        var temp = new TempDirectory("haproxy");
        string directory = temp.FullName;
        int probePort = LoopbackPorts.Reserve();
        HaproxyProcess haproxy;
        try
        {
            string config = Path.Combine(directory, "haproxy.cfg");
            await File.WriteAllTextAsync(config, $"""
                global
                    maxconn 256
                    nbthread 1
                defaults
                    mode tcp
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                frontend probe
                    bind 127.0.0.1:{probePort.ToString(CultureInfo.InvariantCulture)}
                    tcp-request connection reject
                {proxies}
                """);

            var info = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("haproxy is not installed"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = directory,
            };
            foreach (string argument in new[] { "-db", "-f", config })
            {
                info.ArgumentList.Add(argument);
            }

            haproxy = new HaproxyProcess(Process.Start(info)!, temp);
        }
        catch
        {
            temp.Dispose();
            throw;
        }

        try
        {
            await haproxy.WaitListeningAsync(new IPEndPoint(IPAddress.Loopback, probePort), timeout ?? TimeSpan.FromSeconds(10));
            return haproxy;
        }
        catch
        {
            await haproxy.DisposeAsync();
            throw;
        }
    }

    private async Task WaitListeningAsync(IPEndPoint probe, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"haproxy exited with {_process.ExitCode}: {Output}");
            }

            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await socket.ConnectAsync(probe, attempt.Token);
                return;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                // not listening yet
            }

            if (clock.Elapsed > timeout)
            {
                throw new InvalidOperationException($"haproxy did not listen on {probe} within {timeout}: {Output}");
            }

            await Task.Delay(25);
        }
    }


    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(wait.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        finally
        {
            _process.Dispose();
            _directory.Dispose();
        }
    }
}
