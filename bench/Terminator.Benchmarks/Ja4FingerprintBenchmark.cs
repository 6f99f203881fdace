using BenchmarkDotNet.Attributes;
using Terminator.Tls;

namespace Terminator.Benchmarks;

/// <summary>
/// JA4 of real captured ClientHellos (openssl, curl, Chromium with GREASE and a 1,956-byte hello), next to the SNI peek
/// the TLS step already does on the same bytes. <see cref="HeaderValue"/> is what a connection pays with
/// TERMINATOR_JA4_HEADER set: the fingerprint plus its 36-byte array, the only allocation (64 B with the array header).
/// </summary>
[MemoryDiagnoser]
public class Ja4FingerprintBenchmark
{
    private byte[] _hello = [];

    [ParamsSource(nameof(Captures))]
    public string Capture { get; set; } = "";

    public static IEnumerable<string> Captures() => ClientHelloParserBenchmark.Captures();

    [GlobalSetup]
    public void Setup() => _hello = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "ClientHellos", Capture + ".bin"));

    [Benchmark(Baseline = true)]
    public int ParseForSni()
    {
        Span<byte> name = stackalloc byte[ClientHelloParser.MaxServerNameLength];
        ClientHelloParser.TryParse(_hello.AsSpan(), name, out ClientHelloInfo info);
        return info.ServerNameLength;
    }

    [Benchmark]
    public bool IntoSpan()
    {
        Span<byte> ja4 = stackalloc byte[Ja4Fingerprint.Length];
        return Ja4Fingerprint.TryCompute(_hello, ja4);
    }

    [Benchmark]
    public byte[]? HeaderValue()
    {
        Span<byte> ja4 = stackalloc byte[Ja4Fingerprint.Length];
        return Ja4Fingerprint.TryCompute(_hello, ja4) ? ja4.ToArray() : null;
    }
}
