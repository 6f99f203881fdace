using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tls;

namespace Terminator.Benchmarks;

/// <summary>
/// Resident memory per held <see cref="SslContextPin"/> (what <see cref="SslContextPinBenchmark"/> cannot see: the
/// OpenSSL SSL, its buffers and SslStream's handshake buffer stay allocated while the pin waits). Holds
/// <c>Pins</c> pins on one certificate of the given key type and reports the RSS growth per pin. One key type per
/// process: memory freed by one measurement stays in the allocator's arenas and would flatter the next. (Time per pin
/// is <see cref="SslContextPinBenchmark"/>'s: here every pool thread shares the core with the waiting main thread.)
/// Run: cd bench/Terminator.Benchmarks &amp;&amp; for k in EcdsaP256 EcdsaP384 Rsa2048; do taskset -c 1 dotnet run -c Release -- pin-memory $k; done
/// <para><c>-- pin-memory-names 2000 EcdsaP256</c> (<see cref="RunNames"/>): one pin on each of that many certificates,
/// so each pin also builds its certificate's SSL_CTX: the resident memory and CPU a cached name's pin adds.</para>
/// </summary>
internal static class SslContextPinMemory
{
    private const int Pins = 2_000;

    public static void Run(CertificateKeyType keyType)
    {
        using var authority = LocalCertificateAuthority.Create("pin memory");
        IssuedCertificate issued = authority.Issue(["pin.memory.example"], keyType);
        SslServerAuthenticationOptions options = CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "bench:pin").ServerOptions;
        var counters = new SslContextPinCounters();
        // Builds the SSL_CTX (and keeps it) before the measurement, if this certificate can be pinned at all.
        var keeperCounters = new SslContextPinCounters();
        SslContextPin keeper = SslContextPin.Start(options, keeperCounters);
        WaitUntil(() => keeperCounters.Held + keeperCounters.Failed == 1, TimeSpan.FromSeconds(5));

        long before = SettledWorkingSet();
        var pins = new SslContextPin[Pins];
        for (int i = 0; i < pins.Length; i++)
        {
            pins[i] = SslContextPin.Start(options, counters);
        }

        WaitUntil(() => counters.Held + counters.Failed == Pins, TimeSpan.FromSeconds(60));
        long after = SettledWorkingSet();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{keyType,-10} held {counters.Held,5}/{Pins} failed {counters.Failed,5}  {(after - before) / 1024.0 / Pins,6:F1} KiB RSS per pin"));

        foreach (SslContextPin pin in pins)
        {
            pin.Release();
        }

        keeper.Release();
        WaitUntil(() => counters.Held == 0, TimeSpan.FromSeconds(60));
    }

    /// <summary>One pin per certificate over <paramref name="names"/> certificates: RSS and CPU (every thread, getrusage)
    /// per name for the SSL_CTX plus its pin, the contexts and keys having been built before the measurement.</summary>
    public static void RunNames(int names, CertificateKeyType keyType)
    {
        using var authority = LocalCertificateAuthority.Create("pin memory names");
        var options = new SslServerAuthenticationOptions[names];
        for (int i = 0; i < names; i++)
        {
            IssuedCertificate issued = authority.Issue([string.Create(CultureInfo.InvariantCulture, $"n{i}.pin.memory.example")], keyType);
            CertificateEntry entry = CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "bench:pin");
            // The entry's own options would pin on first use; build them from its certificate instead.
            options[i] = TlsPolicy.CreateServerOptions(SslStreamCertificateContext.Create(entry.Certificate, null, offline: true));
        }

        var counters = new SslContextPinCounters();
        long before = SettledWorkingSet();
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var pins = new SslContextPin[names];
        for (int i = 0; i < names; i++)
        {
            pins[i] = SslContextPin.Start(options[i], counters);
        }

        WaitUntil(() => counters.Held + counters.Failed == names, TimeSpan.FromSeconds(120));
        TimeSpan cpuAfter = Process.GetCurrentProcess().TotalProcessorTime;
        long after = SettledWorkingSet();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{keyType,-10} names {names} held {counters.Held,5} failed {counters.Failed,5}  {(after - before) / 1024.0 / names,6:F1} KiB RSS and {(cpuAfter - cpuBefore).TotalMicroseconds / names,6:F0} µs CPU per name (SSL_CTX + pin)"));
        foreach (SslContextPin pin in pins)
        {
            pin.Release();
        }
    }

    private static long SettledWorkingSet()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Thread.Sleep(200);
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private static void WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        if (!SpinWait.SpinUntil(condition, timeout))
        {
            throw new TimeoutException("pins did not settle");
        }
    }
}
