using System.Buffers;

namespace Terminator.Benchmarks;

/// <summary>Builds a multi-segment <see cref="ReadOnlySequence{T}"/> from one array, as TCP segments arrive.</summary>
internal sealed class BenchSegment : ReadOnlySequenceSegment<byte>
{
    public BenchSegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public BenchSegment Append(ReadOnlyMemory<byte> memory)
    {
        var next = new BenchSegment(memory, RunningIndex + Memory.Length);
        Next = next;
        return next;
    }

    /// <summary>Splits <paramref name="data"/> into <paramref name="parts"/> roughly equal segments.</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, int parts)
    {
        int size = Math.Max(1, data.Length / parts);
        var first = new BenchSegment(data.AsMemory(0, Math.Min(size, data.Length)), 0);
        BenchSegment last = first;
        for (int offset = size; offset < data.Length; offset += size)
        {
            last = last.Append(data.AsMemory(offset, Math.Min(size, data.Length - offset)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
