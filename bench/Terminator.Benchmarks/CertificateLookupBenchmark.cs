using System.Text;
using BenchmarkDotNet.Attributes;
using Terminator.Certificates;
using Terminator.Samples.Certificates;

namespace Terminator.Benchmarks;

/// <summary>
/// SNI → certificate lookup from the ClientHello's ASCII bytes at 1k, 100k and 1M names (10% of them wildcards):
/// exact hit, wildcard hit, miss. Every name holds an ECDSA and an RSA certificate (the two-family case the selection
/// is for); <see cref="ClientAcceptsEcdsa"/> false is the RSA-only client, which walks past the ECDSA candidate.
/// </summary>
[MemoryDiagnoser]
public class CertificateLookupBenchmark
{
    private readonly CertificateMap _map = new();
    private LocalCertificateAuthority _authority = null!;
    private byte[] _exact = [];
    private byte[] _wildcard = [];
    private byte[] _miss = [];

    [Params(1_000, 100_000, 1_000_000)]
    public int Names { get; set; }

    [Params(true, false)]
    public bool ClientAcceptsEcdsa { get; set; }

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
            _map.SetName(i % 10 == 0 ? $"*.customer{i}.example" : $"click.customer{i}.example", choice);
        }

        _exact = Encoding.ASCII.GetBytes($"click.customer{Names - 1}.example");
        _wildcard = Encoding.ASCII.GetBytes("email.customer0.example");
        _miss = Encoding.ASCII.GetBytes("click.not-a-customer.example");
    }

    [Benchmark]
    public bool ExactHit() => _map.TryGet(_exact, ClientAcceptsEcdsa, out _);

    [Benchmark]
    public bool WildcardHit() => _map.TryGet(_wildcard, ClientAcceptsEcdsa, out _);

    [Benchmark]
    public bool Miss() => _map.TryGet(_miss, ClientAcceptsEcdsa, out _);

    [GlobalCleanup]
    public void Cleanup() => _authority.Dispose();
}
