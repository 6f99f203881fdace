using System.Buffers;
using Terminator.ProxyProtocol;
using Terminator.Tests.Tls;

namespace Terminator.Tests.ProxyProtocol;

public sealed class ProxyHeaderParserAllocationTests
{
    private const int Iterations = 2_000;

    [Fact]
    public void TryParse_EveryShape_AllocatesNothing()
    {
        ReadOnlySequence<byte>[] inputs =
        [
            .. ProxyHeaderSamples.Valid().Select(c => new ReadOnlySequence<byte>(c.Bytes)),
            .. ProxyHeaderSamples.Invalid().Select(c => new ReadOnlySequence<byte>(c.Bytes)),
            .. ProxyHeaderSamples.Valid().Select(c => SegmentedSequence.Split(c.Bytes, c.Bytes.Length / 3, c.Bytes.Length / 2)), // stack and pooled copies
            new ReadOnlySequence<byte>(ProxyHeaderSamples.V1("PROXY TCP4 203.0.113.7 192.0.")),                                   // NeedMoreData
        ];

        for (int i = 0; i < 200; i++)
        {
            ParseAll(inputs); // JIT tiers, ArrayPool's thread-local bucket
        }

        long best = long.MaxValue;
        for (int attempt = 0; attempt < 3 && best != 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Iterations; i++)
            {
                ParseAll(inputs);
            }

            best = Math.Min(best, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, best);
    }

    private static void ParseAll(ReadOnlySequence<byte>[] inputs)
    {
        foreach (ReadOnlySequence<byte> input in inputs)
        {
            var progress = default(ProxyHeaderScanProgress);
            ProxyHeaderParser.TryParse(input, ProxyProtocolVersions.Any, ref progress, out _);
        }
    }
}
