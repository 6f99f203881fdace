using System.Diagnostics;
using System.Runtime.InteropServices;
using Terminator.Certificates;
using Terminator.Samples.Certificates;

namespace Terminator.MacroBench;

/// <summary>A TLS terminator under test, started pinned to CPU 0 with one worker, stopped by PID.</summary>
internal abstract partial class Contender
{
    public abstract string Name { get; }

    public abstract Process Start(BenchLayout layout, int port, int upstreamPort);

    /// <summary>The terminator's own way of picking up a new certificate file (reload signal, or nothing if it watches).</summary>
    public abstract void Reload(Process process);

    /// <summary>False for a yardstick that loads its certificates once: the new-certificate step is skipped.</summary>
    public virtual bool ServesNewCertificates => true;

    /// <summary>Returns once every certificate's TLS context is built: at once for the peers, which build them all before
    /// they serve; Terminator serves first and builds them behind the traffic (TERMINATOR_CERT_PREWARM).</summary>
    public virtual Task WaitUntilWarmAsync(BenchLayout layout, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Untimed preparation before start-up (Terminator: importing the PEM files into its store).</summary>
    public virtual void Prepare(BenchLayout layout)
    {
    }

    /// <summary>Puts a new certificate where this terminator reads certificates from (the PEM layout by default).</summary>
    public virtual void Add(BenchLayout layout, string name, IssuedCertificate issued) => layout.Write(name, issued);

    protected static Process Launch(BenchLayout layout, string logName, string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("taskset") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("0");
        info.ArgumentList.Add(file);
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        if (environment is not null)
        {
            foreach ((string key, string value) in environment) info.Environment[key] = value;
        }

        Process process = Process.Start(info)!;
        var log = new StreamWriter(Path.Combine(layout.Root, logName + ".log"), append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static void Stop(Process process)
    {
        if (process.HasExited) return;
        _ = kill(process.Id, 15);
        if (!process.WaitForExit(10_000))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    protected static void Signal(Process process, int signal) => _ = kill(process.Id, signal);

    [LibraryImport("libc")]
    private static partial int kill(int pid, int sig);
}
