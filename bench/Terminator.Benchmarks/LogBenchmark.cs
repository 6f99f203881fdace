using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging;
using Terminator.Certificates;
using Terminator.Diagnostics;
using Terminator.Tls;

namespace Terminator.Benchmarks;

/// <summary>
/// What a log call costs the thread that makes it: a warning the rate limiter holds back (the per-request case during
/// an outage: must be 0 B), and a line that is written, in each format (formatted on the caller, queued for the
/// writer thread; the output is <see cref="TextWriter.Null"/>, so the queue never fills... unless the caller outruns
/// the writer, in which case the measured cost includes the drop).
/// </summary>
[MemoryDiagnoser]
public class LogBenchmark
{
    private TerminatorLog _text = null!;
    private TerminatorLog _json = null!;

    [GlobalSetup]
    public void Setup()
    {
        _text = new TerminatorLog(LogLevel.Information, TextWriter.Null, LogFormat.Text, rateLimitInterval: TimeSpan.FromHours(1));
        _json = new TerminatorLog(LogLevel.Information, TextWriter.Null, LogFormat.Json);
        TlsLog.CertificateLoadFailed(_text, "/var/lib/terminator/store/gone.tcert", "file not found"); // the cause's one line
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _text.Dispose();
        _json.Dispose();
    }

    [Benchmark]
    public void HeldBackWarning() => TlsLog.CertificateLoadFailed(_text, "/var/lib/terminator/store/gone.tcert", "file not found");

    [Benchmark]
    public void TextLine() => CertificateLog.CertificateSkipped(_text.Certificates, "/etc/terminator/certs/broken.pem", "no certificate (no PEM CERTIFICATE block found)");

    [Benchmark]
    public void JsonLine() => CertificateLog.CertificateSkipped(_json.Certificates, "/etc/terminator/certs/broken.pem", "no certificate (no PEM CERTIFICATE block found)");
}
