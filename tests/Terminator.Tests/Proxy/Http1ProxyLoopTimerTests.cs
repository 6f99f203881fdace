using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Terminator.Diagnostics;
using Terminator.Http;
using Terminator.Listener;
using Terminator.Proxy;
using Terminator.Tests.AccessLog;
using Terminator.Tests.Http;
using Terminator.Tests.TestHelpers;
using Terminator.Upstream;

namespace Terminator.Tests.Proxy;

/// <summary>
/// A timeout that fired as the wait it bounded completed must neither end that wait's request nor outlive it. On a stalled host (a loaded CI run
/// closed a keep-alive connection this way) the read's result and the timer's callback are both queued; when the read's
/// continuation runs second, the request is served, and the connection must still serve the next one.
/// </summary>
public sealed class Http1ProxyLoopTimerTests
{
    [Fact]
    public async Task HeaderTimerFiringAsTheFirstRequestArrives_TheNextRequestIsStillServed()
    {
        await using var proxy = new LoopUnderTest(toProxy => new FirstReadReturnsAfterItsToken(toProxy.Reader), idleSource: null);

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (int i = 0; i < 2; i++)
        {
            await proxy.ToProxy.Writer.WriteAsync(HttpSamples.ClickRequestBytes, deadline.Token);
            string? head = await ReadResponseHeadAsync(proxy.FromProxy.Reader, deadline.Token);
            Assert.True(head is not null, $"the proxy closed the connection before answering request {i + 1}");
            Assert.StartsWith("HTTP/1.1 302 ", head, StringComparison.Ordinal);
        }

        proxy.ToProxy.Writer.Complete();
        await proxy.Closes.WaitAsync(deadline.Token);
    }

    [Fact]
    public async Task IdleTimerFiringAsTheRequestArrives_TheRequestIsServed()
    {
        // The daemon's path: the loop waits for a request with a zero-byte read on the transport, then reads the pipe.
        RequestArrivesAsTheTimerFires? transport = null;
        await using var proxy = new LoopUnderTest(toProxy => toProxy.Reader,
            idleSource: toProxy => transport = new RequestArrivesAsTheTimerFires(toProxy.Writer, HttpSamples.ClickRequestBytes));

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? head = await ReadResponseHeadAsync(proxy.FromProxy.Reader, deadline.Token);
        Assert.True(head is not null, "the proxy closed the connection although the request had arrived");
        Assert.StartsWith("HTTP/1.1 302 ", head, StringComparison.Ordinal);

        proxy.ToProxy.Writer.Complete();
        transport!.Finish();
        await proxy.Closes.WaitAsync(deadline.Token);
    }

    [Fact]
    public async Task BetweenRequests_TheConnectionHoldsNoRequestTimeoutSource()
    {
        // An idle keep-alive connection gives its request timer back to the server's pool (bench/README.md, "What an idle
        // TLS connection holds"); the next request takes it again rather than allocating one.
        // A header timeout that a loaded host cannot reach before the first request is written (the class's 50 ms one
        // closed the connection under a full-suite run).
        await using var proxy = new LoopUnderTest(toProxy => toProxy.Reader, idleSource: null, headerTimeout: TimeSpan.FromSeconds(10));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (int i = 0; i < 3; i++)
        {
            await proxy.ToProxy.Writer.WriteAsync(HttpSamples.ClickRequestBytes, deadline.Token);
            string? head = await ReadResponseHeadAsync(proxy.FromProxy.Reader, deadline.Token);
            Assert.StartsWith("HTTP/1.1 302 ", head, StringComparison.Ordinal);
            Assert.True(await Eventually.TrueAsync(() => proxy.Drain.PooledRequestTimeouts == 1, TimeSpan.FromSeconds(5)),
                $"after request {i + 1} the pool holds {proxy.Drain.PooledRequestTimeouts} sources, not the one the request used");
        }
    }

    /// <summary>One loop over in-memory client pipes (plain HTTP, 50 ms header timeout unless given) and a pooled connection to the
    /// tracking upstream; <see cref="Closes"/> completes, and the client pipe sees the end, when the loop returns.</summary>
    private sealed class LoopUnderTest : IAsyncDisposable
    {
        private readonly ScriptedUpstream _upstream = TrackingUpstream.Start();
        private readonly UpstreamPool _pool;
        private readonly ConnectionDrain _drain = new();
        private readonly Http1ProxyLoop _loop;

        public LoopUnderTest(Func<Pipe, PipeReader> input, Func<Pipe, Stream>? idleSource, TimeSpan? headerTimeout = null)
        {
            _pool = new UpstreamPool(new UpstreamPoolOptions { Host = "127.0.0.1", Port = _upstream.EndPoint.Port });
            var context = new ProxyContext
            {
                Upstream = _pool,
                Limits = HttpLimits.Default,
                Metrics = new TerminatorMetrics(),
                Log = TerminatorLog.Silent,
                HeaderTimeout = headerTimeout ?? TimeSpan.FromMilliseconds(50),
            };
            var connection = new ConnectionContext(Stream.Null, new IPEndPoint(IPAddress.Parse("198.51.100.23"), 50000), new IPEndPoint(IPAddress.Loopback, 80), _drain);
            _loop = new Http1ProxyLoop(context, connection, input(ToProxy), FromProxy.Writer, idleSource?.Invoke(ToProxy));
            // The step around the loop completes its output when the loop ends; a loop that ends early shows as a close.
            Closes = _loop.RunAsync().ContinueWith(_ => FromProxy.Writer.Complete(), TaskScheduler.Default);
        }

        public Pipe ToProxy { get; } = new();

        public Pipe FromProxy { get; } = new();

        public Task Closes { get; }

        public ConnectionDrain Drain => _drain;

        public async ValueTask DisposeAsync()
        {
            ToProxy.Writer.Complete();
            // Bounded, and without throwing: after a failed assertion the loop may still wait on a test transport.
            await Task.WhenAny(Closes, Task.Delay(TimeSpan.FromSeconds(10)));
            _loop.Dispose();
            _drain.Dispose();
            await _pool.DisposeAsync();
            await _upstream.DisposeAsync();
        }
    }

    private static async Task<string?> ReadResponseHeadAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken);
            var sequence = new SequenceReader<byte>(result.Buffer);
            if (sequence.TryReadTo(out ReadOnlySequence<byte> head, "\r\n\r\n"u8))
            {
                string text = System.Text.Encoding.ASCII.GetString(head.ToArray());
                reader.AdvanceTo(sequence.Position); // a 302 from the tracking upstream has no body
                return text;
            }

            if (result.IsCompleted)
            {
                return null;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>
    /// A transport for the loop's idle wait: the first zero-byte read puts the request into the client pipe (it has
    /// arrived) and completes only once its token is cancelled (the idle timer's callback ran before the read's
    /// continuation); a later one completes when the test closes it.
    /// </summary>
    private sealed class RequestArrivesAsTheTimerFires(PipeWriter client, byte[] request) : Stream
    {
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _first = true;

        public void Finish() => _closed.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_first)
            {
                await _closed.Task.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
                return 0;
            }

            _first = false;
            await client.WriteAsync(request, CancellationToken.None);
            var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (cancellationToken.Register(() => fired.SetResult()))
            {
                await fired.Task.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            }

            return 0;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>
    /// The first read has its bytes but hands them over only once its token is cancelled (the timer's callback ran
    /// before the read's continuation); every later read is the inner reader's own.
    /// </summary>
    private sealed class FirstReadReturnsAfterItsToken(PipeReader inner) : PipeReader
    {
        private bool _first = true;

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            if (!_first)
            {
                return await inner.ReadAsync(cancellationToken);
            }

            _first = false;
            ReadResult result = await inner.ReadAsync(CancellationToken.None);
            var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (cancellationToken.Register(() => fired.SetResult()))
            {
                await fired.Task.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            }

            return result;
        }

        public override bool TryRead(out ReadResult result) => inner.TryRead(out result);
        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);
        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);
        public override void CancelPendingRead() => inner.CancelPendingRead();
        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }
}
