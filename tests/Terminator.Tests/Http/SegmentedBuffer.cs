using System.Buffers;
using System.Text;

namespace Terminator.Tests.Http;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/> instances so parsers are exercised across segment boundaries.</summary>
internal static class SegmentedBuffer
{
    public static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);

    /// <summary>A sequence over <paramref name="data"/> cut at the given ascending offsets (empty segments allowed).</summary>
    public static ReadOnlySequence<byte> Create(byte[] data, params int[] splits)
    {
        if (splits.Length == 0)
        {
            return new ReadOnlySequence<byte>(data);
        }

        var first = new Segment(data.AsMemory(0, splits[0]), 0);
        Segment last = first;
        for (int i = 0; i < splits.Length; i++)
        {
            int start = splits[i];
            int end = i + 1 < splits.Length ? splits[i + 1] : data.Length;
            last = last.Append(data.AsMemory(start, end - start));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>One segment per byte.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] data) =>
        data.Length <= 1 ? new ReadOnlySequence<byte>(data) : Create(data, Enumerable.Range(1, data.Length - 1).ToArray());

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
