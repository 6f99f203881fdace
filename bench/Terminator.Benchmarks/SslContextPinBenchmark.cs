using System.Net.Security;
using BenchmarkDotNet.Attributes;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tls;

namespace Terminator.Benchmarks;

/// <summary>
/// One <see cref="SslContextPin"/> taken and released on a certificate whose context (and SSL_CTX) already exists:
/// what each cache admission and eviction costs on top of the materialisation. The runtime's SSL_CTX is kept alive
/// by a pin held for the whole run, so no iteration builds one. Allocations count every thread (the pin runs on the
/// thread pool); native memory (the OpenSSL SSL and its buffers) is not in them: see <c>SslContextPinMemory</c>.
/// </summary>
[MemoryDiagnoser]
public class SslContextPinBenchmark
{
    private LocalCertificateAuthority _authority = null!;
    private SslServerAuthenticationOptions _options = null!;
    private SslContextPinCounters _counters = null!;
    private SslContextPin _keeper = null!;

    [Params(CertificateKeyType.EcdsaP256, CertificateKeyType.EcdsaP384, CertificateKeyType.Rsa2048)]
    public CertificateKeyType KeyType { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _authority = LocalCertificateAuthority.Create("pin bench");
        IssuedCertificate issued = _authority.Issue(["pin.bench.example"], KeyType);
        CertificateEntry entry = CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "bench:pin");
        _options = entry.ServerOptions;
        _counters = new SslContextPinCounters();
        _keeper = SslContextPin.Start(_options);
    }

    /// <summary>Start, wait until the pin holds (or has failed), release, wait until it has ended.</summary>
    [Benchmark]
    public async Task PinAndRelease()
    {
        long failed = _counters.Failed;
        SslContextPin pin = SslContextPin.Start(_options, _counters);
        while (!pin.IsHeld && _counters.Failed == failed)
        {
            await Task.Yield();
        }

        pin.Release();
        while (_counters.Held != 0)
        {
            await Task.Yield();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _keeper.Release();
        _authority.Dispose();
    }
}
