using BenchmarkDotNet.Attributes;
using Terminator.Certificates;
using Terminator.Samples.Certificates;

namespace Terminator.Benchmarks;

/// <summary>
/// <see cref="CertificateMap.Summarize"/>, the walk behind the certificate gauges of <c>GET /metrics</c> (names,
/// certificates, soonest expiry; at most once a second), at 100k and 1M names each holding an ECDSA and an RSA candidate.
/// </summary>
[MemoryDiagnoser]
public class CertificateInventoryBenchmark
{
    private readonly CertificateMap _map = new();
    private LocalCertificateAuthority _authority = null!;

    [Params(100_000, 1_000_000)]
    public int Names { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _authority = LocalCertificateAuthority.Create("bench");
        IssuedCertificate ecdsa = _authority.Issue(["bench.example"]);
        IssuedCertificate rsa = _authority.Issue(["bench.example"], CertificateKeyType.Rsa2048);
        CertificateChoice choice = CertificateChoice
            .Create(CertificateLoader.LoadPem(ecdsa.ChainPem, ecdsa.PrivateKeyPem, "bench:ecdsa"))
            .With(CertificateLoader.LoadPem(rsa.ChainPem, rsa.PrivateKeyPem, "bench:rsa"));
        for (int i = 0; i < Names; i++)
        {
            _map.SetName($"click.customer{i}.example", choice);
        }
    }

    [Benchmark]
    public long Summarize() => _map.Summarize().Names;

    [GlobalCleanup]
    public void Cleanup() => _authority.Dispose();
}
