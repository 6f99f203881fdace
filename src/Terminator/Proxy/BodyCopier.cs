using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Terminator.Http;
using Terminator.Infrastructure;

namespace Terminator.Proxy;

/// <summary>
/// Copies a message body between pipes according to its framing. Bytes are forwarded verbatim (chunked framing
/// included) so the peer sees exactly what was sent; each read is bounded by <paramref name="readTimeout"/> through the
/// connection's timeout source, and each outcome names the side that failed so the caller can choose 502/504/close.
/// Each copy also reports the bytes the destination accepted (flushed), for the access log's body size.
/// </summary>
internal static class BodyCopier
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<CopyResult> CopyExactAsync(PipeReader source, PipeWriter destination, long length, CancellationTokenSource timeout, TimeSpan readTimeout, MinDataRate minRate = default)
    {
        long remaining = length;
        long flushed = 0;
        TimeSpan waited = TimeSpan.Zero;
        while (remaining > 0)
        {
            ReadResult result;
            try
            {
                if (!minRate.TryGetReadTimeout(readTimeout, length - remaining, waited, out TimeSpan wait))
                {
                    return new(CopyOutcome.SourceTimedOut, flushed);
                }

                long started = Stopwatch.GetTimestamp();
                timeout.CancelAfter(wait);
                result = await source.ReadAsync(timeout.Token).ConfigureAwait(false);
                timeout.CancelAfter(Timeout.InfiniteTimeSpan);
                waited += Stopwatch.GetElapsedTime(started);
            }
            catch (OperationCanceledException)
            {
                return new(CopyOutcome.SourceTimedOut, flushed);
            }
            catch (Exception ex) when (TransportFailure.Is(ex))
            {
                return new(CopyOutcome.SourceFailed, flushed);
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            if (buffer.IsEmpty && result.IsCompleted)
            {
                source.AdvanceTo(buffer.End);
                return new(CopyOutcome.SourceEnded, flushed);
            }

            ReadOnlySequence<byte> slice = buffer.Length > remaining ? buffer.Slice(0, remaining) : buffer;
            long sliceLength = slice.Length;
            Write(destination, slice);
            remaining -= sliceLength;
            source.AdvanceTo(slice.End);

            if (!await FlushAsync(destination, timeout, readTimeout).ConfigureAwait(false))
            {
                return new(CopyOutcome.DestinationFailed, flushed);
            }

            flushed += sliceLength;
        }

        return new(CopyOutcome.Completed, flushed);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<CopyResult> CopyChunkedAsync(PipeReader source, PipeWriter destination, CancellationTokenSource timeout, TimeSpan readTimeout, MinDataRate minRate = default)
    {
        var parser = new ChunkedBodyParser();
        parser.Reset();
        long copied = 0;
        long flushed = 0;
        TimeSpan waited = TimeSpan.Zero;
        while (true)
        {
            ReadResult result;
            try
            {
                if (!minRate.TryGetReadTimeout(readTimeout, copied, waited, out TimeSpan wait))
                {
                    return new(CopyOutcome.SourceTimedOut, flushed);
                }

                long started = Stopwatch.GetTimestamp();
                timeout.CancelAfter(wait);
                result = await source.ReadAsync(timeout.Token).ConfigureAwait(false);
                timeout.CancelAfter(Timeout.InfiniteTimeSpan);
                waited += Stopwatch.GetElapsedTime(started);
            }
            catch (OperationCanceledException)
            {
                return new(CopyOutcome.SourceTimedOut, flushed);
            }
            catch (Exception ex) when (TransportFailure.Is(ex))
            {
                return new(CopyOutcome.SourceFailed, flushed);
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            HttpParseResult parsed = parser.Parse(buffer, out long consumed);
            if (parsed == HttpParseResult.Error)
            {
                source.AdvanceTo(buffer.Start);
                return new(CopyOutcome.SourceInvalid, flushed);
            }

            ReadOnlySequence<byte> slice = buffer.Slice(0, consumed);
            Write(destination, slice);
            copied += consumed;
            if (parsed == HttpParseResult.Complete)
            {
                source.AdvanceTo(slice.End);
            }
            else
            {
                if (result.IsCompleted)
                {
                    source.AdvanceTo(slice.End);
                    return new(CopyOutcome.SourceEnded, flushed);
                }

                // Bytes past `consumed` were examined (e.g. half a chunk-size line) and are presented again next time.
                source.AdvanceTo(slice.End, buffer.End);
            }

            if (!await FlushAsync(destination, timeout, readTimeout).ConfigureAwait(false))
            {
                return new(CopyOutcome.DestinationFailed, flushed);
            }

            flushed += consumed;
            if (parsed == HttpParseResult.Complete)
            {
                return new(CopyOutcome.Completed, flushed);
            }
        }
    }

    /// <summary>Close-delimited response body (RFC 9112 §6.3 rule 8): everything until the upstream closes.</summary>
    public static async ValueTask<CopyResult> CopyToEndAsync(PipeReader source, PipeWriter destination, CancellationTokenSource timeout, TimeSpan readTimeout)
    {
        long flushed = 0;
        while (true)
        {
            ReadResult result;
            try
            {
                timeout.CancelAfter(readTimeout);
                result = await source.ReadAsync(timeout.Token).ConfigureAwait(false);
                timeout.CancelAfter(Timeout.InfiniteTimeSpan);
            }
            catch (OperationCanceledException)
            {
                return new(CopyOutcome.SourceTimedOut, flushed);
            }
            catch (Exception ex) when (TransportFailure.Is(ex))
            {
                // A reset after a close-delimited body is indistinguishable from its end; the client sees the close either way.
                return new(CopyOutcome.SourceFailed, flushed);
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            long length = buffer.Length;
            Write(destination, buffer);
            source.AdvanceTo(buffer.End);
            if (!await FlushAsync(destination, timeout, readTimeout).ConfigureAwait(false))
            {
                return new(CopyOutcome.DestinationFailed, flushed);
            }

            flushed += length;
            if (result.IsCompleted)
            {
                return new(CopyOutcome.Completed, flushed);
            }
        }
    }

    internal static void Write(PipeWriter destination, in ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment)
        {
            destination.Write(data.FirstSpan);
            return;
        }

        foreach (ReadOnlyMemory<byte> segment in data)
        {
            destination.Write(segment.Span);
        }
    }

    /// <summary>Flushes with a bound on how long a peer that does not read may hold us (send-side timeout).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal static async ValueTask<bool> FlushAsync(PipeWriter destination, CancellationTokenSource timeout, TimeSpan writeTimeout)
    {
        try
        {
            timeout.CancelAfter(writeTimeout);
            FlushResult flushed = await destination.FlushAsync(timeout.Token).ConfigureAwait(false);
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
            return !flushed.IsCompleted && !flushed.IsCanceled;
        }
        catch (Exception ex) when (ex is OperationCanceledException || TransportFailure.Is(ex))
        {
            return false;
        }
    }
}
