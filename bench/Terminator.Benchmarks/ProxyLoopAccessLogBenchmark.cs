using Terminator.AccessLog;
using Terminator.Configuration;
using Terminator.Diagnostics;

namespace Terminator.Benchmarks;

/// <summary>
/// <see cref="ProxyLoopBenchmark"/> with the access log on, writing combined lines to a file: what a request pays for
/// its line (the capture and the queue on the request path, and — since BenchmarkDotNet counts every thread's
/// allocations and the writer thread shares the pinned core — the formatting and the writes as well).
/// </summary>
public class ProxyLoopAccessLogBenchmark : ProxyLoopBenchmark
{
    private protected override AccessLogWriter? CreateAccessLog()
    {
        string path = Path.Combine(Path.GetTempPath(), $"terminator-bench-access-{Environment.ProcessId}.log");
        var options = new AccessLogOptions { Destination = AccessLogDestination.File, Path = path };
        var writer = new AccessLogWriter(options, AccessLogOutput.Open(options), TerminatorLog.Silent);
        // Unlinked at once: the writes still go through the file system to the open inode, which nothing leaves behind.
        File.Delete(path);
        return writer;
    }
}
