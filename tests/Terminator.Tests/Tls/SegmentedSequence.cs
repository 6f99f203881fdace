using System.Buffers;

namespace Terminator.Tests.Tls;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, the shape a pipe produces when bytes arrive in several TCP reads.</summary>
internal static class SegmentedSequence
{
    /// <summary>Splits <paramref name="data"/> at the given ascending offsets (0 and Length are allowed and give empty segments).</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] offsets)
    {
        Segment? first = null;
        Segment? last = null;
        int start = 0;
        foreach (int offset in offsets.Append(data.Length))
        {
            // Each segment gets its own array so a read past a segment's end cannot silently hit the neighbour's bytes.
            var chunk = data.AsSpan(start, offset - start).ToArray();
            last = last is null ? (first = new Segment(chunk, 0)) : last.Append(chunk);
            start = offset;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>One segment per byte (an empty single-segment sequence for empty input).</summary>
    public static ReadOnlySequence<byte> ByteAtATime(byte[] data) =>
        data.Length == 0 ? ReadOnlySequence<byte>.Empty : Split(data, Enumerable.Range(1, data.Length - 1).ToArray());

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
