using System.Buffers;
using BenchmarkDotNet.Attributes;
using Terminator.Tls;

namespace Terminator.Benchmarks;

/// <summary>SNI peek on real captured ClientHellos (openssl, curl, Chromium with GREASE), contiguous and split in 3 segments.</summary>
[MemoryDiagnoser]
public class ClientHelloParserBenchmark
{
    private byte[] _hello = [];
    private ReadOnlySequence<byte> _contiguous;
    private ReadOnlySequence<byte> _split;

    public static IEnumerable<string> Captures() =>
        Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "ClientHellos"), "*.bin").Select(Path.GetFileNameWithoutExtension).Order()!;

    [ParamsSource(nameof(Captures))]
    public string Capture { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _hello = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "ClientHellos", Capture + ".bin"));
        _contiguous = new ReadOnlySequence<byte>(_hello);
        _split = BenchSegment.Split(_hello, 3);
    }

    [Benchmark(Baseline = true)]
    public int Contiguous()
    {
        Span<byte> name = stackalloc byte[ClientHelloParser.MaxServerNameLength];
        ClientHelloParser.TryParse(_contiguous, name, out ClientHelloInfo info);
        return info.ServerNameLength;
    }

    [Benchmark]
    public int SplitInThree()
    {
        Span<byte> name = stackalloc byte[ClientHelloParser.MaxServerNameLength];
        ClientHelloParser.TryParse(_split, name, out ClientHelloInfo info);
        return info.ServerNameLength;
    }
}
