using System.Diagnostics;
using Terminator.Diagnostics;

namespace Terminator.Certificates;

/// <summary>
/// Builds the TLS context of every served certificate after start-up, in the background, so that a name's first
/// handshake costs what any later one does — as nginx and HAProxy, which load every certificate before they serve.
/// Start-up itself stays a compact index (ready in about a second for 10,000 names); the ~0.8 ms of CPU a context costs
/// (key import, X.509 decode, SSL_CTX: OpenSSL's work, bench/README "Where the daemon's first handshake goes") is spent
/// here instead of inside a visitor's handshake.
/// </summary>
/// <remarks>
/// One certificate at a time, yielding to the thread pool between them, so it never takes more than one core and
/// handshakes and requests queued meanwhile run first. Only when every certificate fits in
/// <c>TERMINATOR_CERT_CACHE_SIZE</c>: a larger store would cycle the cache, evicting contexts built a moment before,
/// so a million-name node prewarms none and loads on first use, as before. A certificate that fails to load is counted
/// and left to its first handshake (the cache has logged why).
/// </remarks>
internal static class CertificatePrewarmer
{
    public static async Task RunAsync(CertificateMap certificates, int capacity, TerminatorLog log, CancellationToken stopping)
    {
        int total = checked((int)certificates.Summarize().Certificates);
        if (total > capacity)
        {
            CertificateLog.PrewarmSkipped(log.Certificates, total, capacity);
            return;
        }

        long started = Stopwatch.GetTimestamp();
        TimeSpan cpuBefore = Environment.CpuUsage.TotalTime;
        int built = 0;
        int failed = 0;
        foreach (CertificateEntry entry in certificates.EnumerateCertificates())
        {
            if (stopping.IsCancellationRequested)
            {
                break;
            }

            if (entry.IsMaterialized)
            {
                continue;
            }

            // Behind whatever connections queued while the last one was built.
            await Task.Yield();
            try
            {
                await entry.GetServerOptionsAsync(stopping).ConfigureAwait(false);
                built++;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (CertificateLoadException)
            {
                failed++;
            }
        }

        TimeSpan cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        CertificateLog.Prewarmed(log.Certificates, built, Stopwatch.GetElapsedTime(started).TotalSeconds,
            built == 0 ? 0 : cpu.TotalMicroseconds / built, failed);
    }
}
