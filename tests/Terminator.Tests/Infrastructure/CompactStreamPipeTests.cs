using System.Buffers;
using System.IO.Pipelines;
using Terminator.Infrastructure;

namespace Terminator.Tests.Infrastructure;

/// <summary>The client connection's pipes: bytes in order across blocks, the pipe reader's consume/examine rules, and no
/// block held once empty, cancelled or completed.</summary>
public sealed class CompactStreamPipeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Reader_DeliversEveryByteInOrder_ConsumingInOddSteps_AcrossBlocks()
    {
        var random = new Random(7);
        byte[] data = new byte[50_000];
        random.NextBytes(data);
        var writerRandom = new Random(11);
        var source = new Pipe();
        var reader = new CompactStreamPipeReader(source.Reader.AsStream(), minimumReadSize: 2048);

        Task writing = Task.Run(async () =>
        {
            for (int offset = 0; offset < data.Length;)
            {
                int chunk = Math.Min(writerRandom.Next(1, 9000), data.Length - offset);
                await source.Writer.WriteAsync(data.AsMemory(offset, chunk));
                offset += chunk;
            }

            await source.Writer.CompleteAsync();
        });

        var received = new List<byte>();
        while (true)
        {
            ReadResult result = await reader.ReadAsync().AsTask().WaitAsync(Bound);
            ReadOnlySequence<byte> buffer = result.Buffer;
            long take = result.IsCompleted ? buffer.Length : Math.Min(buffer.Length, random.Next(0, 7000));
            received.AddRange(buffer.Slice(0, take).ToArray());
            // Mostly examine everything (wait for more), as a parser that needs more bytes does; sometimes only what
            // was taken, so the next read returns the rest at once.
            SequencePosition consumed = buffer.GetPosition(take);
            reader.AdvanceTo(consumed, random.Next(3) == 0 ? consumed : buffer.End);
            if (result.IsCompleted && take == buffer.Length)
            {
                break;
            }
        }

        await writing;
        Assert.Equal(data, received.ToArray());
        reader.Complete();
    }

    [Fact]
    public async Task Reader_ExaminedNothing_ReturnsTheSameBytesAgain_ExaminedEverything_WaitsForMore()
    {
        var source = new Pipe();
        var reader = new CompactStreamPipeReader(source.Reader.AsStream(), minimumReadSize: 2048);
        await source.Writer.WriteAsync("GET / HT"u8.ToArray());

        ReadResult first = await reader.ReadAsync().AsTask().WaitAsync(Bound);
        reader.AdvanceTo(first.Buffer.Start);
        Assert.True(reader.TryRead(out ReadResult again), "bytes examined by nobody were not there for TryRead");
        Assert.Equal("GET / HT"u8.ToArray(), again.Buffer.ToArray());

        reader.AdvanceTo(again.Buffer.Start, again.Buffer.End);
        Assert.False(reader.TryRead(out _), "bytes examined already were returned without anything new");
        ValueTask<ReadResult> waiting = reader.ReadAsync();
        Assert.False(waiting.IsCompleted, "a read after examining everything did not wait for more bytes");

        await source.Writer.WriteAsync("TP/1.1\r\n"u8.ToArray());
        ReadResult more = await waiting.AsTask().WaitAsync(Bound);
        Assert.Equal("GET / HTTP/1.1\r\n"u8.ToArray(), more.Buffer.ToArray());
        reader.AdvanceTo(more.Buffer.End);
        reader.Complete();
    }

    [Fact]
    public async Task Reader_HoldsNoBlock_WhenEmpty_AfterACancelledRead_OrAtTheEnd()
    {
        var source = new Pipe();
        var reader = new CompactStreamPipeReader(source.Reader.AsStream(), minimumReadSize: 2048);
        await source.Writer.WriteAsync(new byte[100]);
        ReadResult result = await reader.ReadAsync().AsTask().WaitAsync(Bound);
        Assert.True(reader.HoldsBlocks);
        reader.AdvanceTo(result.Buffer.End);
        Assert.False(reader.HoldsBlocks, "an empty reader kept its block");

        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader.ReadAsync(cancel.Token).AsTask().WaitAsync(Bound));
        }

        Assert.False(reader.HoldsBlocks, "a cancelled wait kept the block it read into");

        await source.Writer.CompleteAsync();
        ReadResult end = await reader.ReadAsync().AsTask().WaitAsync(Bound);
        Assert.True(end.IsCompleted);
        Assert.True(end.Buffer.IsEmpty);
        Assert.False(reader.HoldsBlocks);
        reader.Complete();
    }

    [Fact]
    public async Task Writer_FlushesBlocksInOrder_IncludingAHeadLargerThanABlock_AndHoldsNoBlockAfter()
    {
        var sink = new MemoryStream();
        var writer = new CompactStreamPipeWriter(sink);
        byte[] large = new byte[PipeBlockPool.BlockSize * 2 + 17];
        new Random(3).NextBytes(large);

        writer.Write("HTTP/1.1 200 OK\r\n"u8);
        Span<byte> span = writer.GetSpan(large.Length);
        Assert.True(span.Length >= large.Length, "GetSpan gave less room than asked for");
        large.CopyTo(span);
        writer.Advance(large.Length);
        writer.Write(new byte[5000]);
        Assert.Equal(0, sink.Length);

        FlushResult flushed = await writer.FlushAsync().AsTask().WaitAsync(Bound);
        Assert.False(flushed.IsCanceled || flushed.IsCompleted);
        byte[] expected = [.. "HTTP/1.1 200 OK\r\n"u8.ToArray(), .. large, .. new byte[5000]];
        Assert.Equal(expected, sink.ToArray());
        Assert.False(writer.HoldsBlocks, "a flushed writer kept its blocks");
        await writer.CompleteAsync();
    }

    [Fact]
    public async Task Writer_CompletedWithAnException_DiscardsWhatWasNotFlushed_WithoutOne_WritesIt()
    {
        var abandonedSink = new MemoryStream();
        var abandoned = new CompactStreamPipeWriter(abandonedSink);
        abandoned.Write("unsent"u8);
        await abandoned.CompleteAsync(new OperationCanceledException("abandoned"));
        Assert.Equal(0, abandonedSink.Length);
        Assert.False(abandoned.HoldsBlocks);

        var cleanSink = new MemoryStream();
        var clean = new CompactStreamPipeWriter(cleanSink);
        clean.Write("last"u8);
        await clean.CompleteAsync();
        Assert.Equal("last"u8.ToArray(), cleanSink.ToArray());
    }

    [Fact]
    public void AKeepAliveExchange_ReadAndFlush_AllocatesNothing()
    {
        // Streams that complete at once, as a socket with bytes waiting and room to send does: what is left is the pipes'.
        byte[] request = "GET /q/open HTTP/1.1\r\nHost: click.example.com\r\n\r\n"u8.ToArray();
        var source = new MemoryStream(new byte[request.Length * 1300]);
        var sink = new MemoryStream(new byte[request.Length * 1300], writable: true);
        // A pool of its own: the process's is shared with the tests that run beside this one, whose rents would make
        // this one's allocate a block now and then.
        var pool = new PipeBlockPool();
        var reader = new CompactStreamPipeReader(source, minimumReadSize: 2048, pool);
        var writer = new CompactStreamPipeWriter(sink, pool);

        void Exchange()
        {
            ReadOnlySequence<byte> buffer = CompletedAtOnce(reader.ReadAsync()).Buffer;
            ReadOnlySequence<byte> head = buffer.Slice(0, request.Length);
            reader.AdvanceTo(head.End);
            foreach (ReadOnlyMemory<byte> segment in head)
            {
                writer.Write(segment.Span);
            }

            CompletedAtOnce(writer.FlushAsync());
            // Each "request" is the stream's next bytes: drop what the read took beyond this one.
            if (reader.TryRead(out ReadResult rest))
            {
                reader.AdvanceTo(rest.Buffer.End);
            }

            source.Position = 0;
            sink.Position = 0;
        }

        for (int i = 0; i < 100; i++)
        {
            Exchange();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Exchange();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"1,000 exchanges allocated {allocated:N0} B");
        Assert.False(reader.HoldsBlocks || writer.HoldsBlocks);
    }

    private static T CompletedAtOnce<T>(ValueTask<T> operation)
    {
        Assert.True(operation.IsCompletedSuccessfully, "an operation on streams that complete at once did not");
        return operation.Result;
    }
}
