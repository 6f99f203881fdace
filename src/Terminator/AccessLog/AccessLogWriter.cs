using System.Buffers;
using Terminator.Configuration;
using Terminator.Diagnostics;

namespace Terminator.AccessLog;

/// <summary>
/// The access log: the request path hands each finished request to <see cref="TryWrite"/> (a bounded copy into
/// <see cref="AccessLogQueue"/>, never a wait), and one dedicated thread formats the queued records into a pooled buffer
/// and writes them out in batches, every <see cref="FlushInterval"/>. When that thread falls behind — the disk stalls,
/// nobody reads the pipe behind standard output — the queue fills and further lines are dropped and counted
/// (<see cref="DroppedLines"/>); requests are never slowed by their log line.
/// </summary>
/// <remarks>
/// A dedicated thread rather than a pool task, because writes are synchronous: a blocked write(2) on a pipe nobody reads
/// must block this thread, not a thread-pool worker the proxy needs. It sleeps between batches instead of being woken per
/// record, so a busy edge pays no wake-up per request, and lines reach the output within about
/// <see cref="FlushInterval"/>. <see cref="DisposeAsync"/> writes out everything queued (bounded by
/// <see cref="DrainTimeout"/>, for an output that no longer accepts anything).
/// </remarks>
internal sealed class AccessLogWriter : IAsyncDisposable
{
    /// <summary>How often queued lines are written out: the most a line waits, and the batch a busy edge writes at once.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long <see cref="DisposeAsync"/> waits for the last lines to be written.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Queue bounds: 16,384 records and 8 MiB of text hold a full <see cref="FlushInterval"/> at 160,000 requests/s of
    /// ~500-byte lines (about 10 MiB of memory, allocated once), and bridge a write that stalls for a second at 16,000/s.
    /// </summary>
    public const int DefaultRecordCapacity = 16 * 1024;
    public const int DefaultTextCapacity = 8 * 1024 * 1024;

    /// <summary>The pooled output buffer: whole batches of lines per write(2); larger than the longest possible line.</summary>
    private const int BufferBytes = 64 * 1024;

    private readonly AccessLogQueue _queue;
    private readonly AccessLogOutput _output;
    private readonly AccessLogFormatter _formatter;
    private readonly TerminatorLog _log;
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private readonly TimeSpan _flushInterval;
    private long _dropped;
    private long _written;
    private long _failed;
    private long _lastFailureReport;
    private int _reopenRequested;
    private volatile bool _stopping;

    /// <param name="output">Where lines go (owned: disposed when the writer is).</param>
    /// <remarks>Capacities and the interval are internal for testing; production uses the defaults.</remarks>
    internal AccessLogWriter(AccessLogOptions options, AccessLogOutput output, TerminatorLog log,
        int recordCapacity = DefaultRecordCapacity, int textCapacity = DefaultTextCapacity, TimeSpan? flushInterval = null)
    {
        Options = options;
        _queue = new AccessLogQueue(recordCapacity, textCapacity, options.Query == AccessLogQueryMode.Strip);
        _output = output;
        _formatter = new AccessLogFormatter(options.Format);
        _log = log;
        _flushInterval = flushInterval ?? FlushInterval;
        _thread = new Thread(Run) { IsBackground = true, Name = "access-log" };
        _thread.Start();
    }

    /// <summary>The writer for <paramref name="options"/>, or null when the access log is off.</summary>
    public static AccessLogWriter? Create(AccessLogOptions options, TerminatorLog log) =>
        options.Enabled ? new AccessLogWriter(options, AccessLogOutput.Open(options), log) : null;

    public AccessLogOptions Options { get; }

    /// <summary>Lines refused because the queue was full (the writer fell behind); never written.</summary>
    public long DroppedLines => Interlocked.Read(ref _dropped);

    /// <summary>Lines handed to the output.</summary>
    public long WrittenLines => Interlocked.Read(ref _written);

    /// <summary>Lines lost because the output failed (disk full, a closed pipe).</summary>
    public long FailedLines => Interlocked.Read(ref _failed);

    /// <summary>Lines queued and not written yet.</summary>
    public int PendingLines => _queue.Count;

    /// <summary>
    /// Queues one request's line; from any thread, never blocks. False when the queue is full (or the writer has
    /// stopped): the line is dropped and counted.
    /// </summary>
    public bool TryWrite(in AccessLogRecord record, in AccessLogText text)
    {
        if (!_stopping && _queue.TryEnqueue(record, text))
        {
            return true;
        }

        Interlocked.Increment(ref _dropped);
        return false;
    }

    /// <summary>Asks the writer to reopen the file by name (SIGUSR1, after logrotate renamed it); returns at once.</summary>
    public void Reopen()
    {
        if (_stopping)
        {
            return; // the output is being (or has been) closed; a signal during shutdown changes nothing
        }

        Volatile.Write(ref _reopenRequested, 1);
        try
        {
            _wake.Set();
        }
        catch (ObjectDisposedException)
        {
            // Stopped between the check and the wake-up.
        }
    }

    private void Run()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            while (true)
            {
                bool stopping = _stopping;
                if (Interlocked.Exchange(ref _reopenRequested, 0) != 0)
                {
                    ReopenOutput();
                }

                WriteQueued(buffer);
                if (stopping && _queue.Count == 0)
                {
                    return;
                }

                _wake.Wait(_flushInterval);
                _wake.Reset();
            }
        }
        catch (Exception ex)
        {
            // Anything but an output failure (handled per batch) is a bug; say so once rather than lose lines silently.
            AccessLogEvents.WriterStopped(_log.AccessLog, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _finished.TrySetResult();
        }
    }

    /// <summary>Formats every queued record into <paramref name="buffer"/>, writing it out whenever the next line might
    /// not fit and once at the end, then frees the batch.</summary>
    private void WriteQueued(byte[] buffer)
    {
        int count = _queue.TakeBatch(out long first);
        if (count == 0)
        {
            return;
        }

        _formatter.SynchronizeClock();
        int used = 0;
        int lines = 0;
        for (long i = first; i < first + count; i++)
        {
            ref readonly AccessLogRecord record = ref _queue.RecordAt(i);
            if (BufferBytes - used < AccessLogFormatter.MaxLineBytes(record))
            {
                Flush(buffer.AsSpan(0, used), lines);
                used = 0;
                lines = 0;
            }

            used += _formatter.Format(record, _queue.TextOf(record), buffer.AsSpan(used));
            lines++;
        }

        Flush(buffer.AsSpan(0, used), lines);
        _queue.Release(count);
    }

    private void Flush(ReadOnlySpan<byte> bytes, int lines)
    {
        if (lines == 0)
        {
            return;
        }

        try
        {
            _output.Write(bytes);
            Interlocked.Add(ref _written, lines);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException)
        {
            Interlocked.Add(ref _failed, lines);
            ReportFailure(lines, ex.Message);
        }
    }

    private void ReopenOutput()
    {
        try
        {
            _output.Reopen();
            if (_output.CanReopen)
            {
                AccessLogEvents.Reopened(_log.AccessLog, Options.Path ?? "stdout");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            AccessLogEvents.ReopenFailed(_log.AccessLog, ex.Message);
        }
    }

    /// <summary>Output failures are logged at most every 10 s: a full disk must not turn into a log flood of its own.</summary>
    private void ReportFailure(int lines, string reason)
    {
        long now = Environment.TickCount64;
        if (now - _lastFailureReport >= 10_000 || _lastFailureReport == 0)
        {
            _lastFailureReport = now;
            AccessLogEvents.WriteFailed(_log.AccessLog, lines, reason);
        }
    }

    /// <summary>Stops taking lines, writes out everything queued (for at most <see cref="DrainTimeout"/>) and closes the
    /// output. Call after the connections have drained, so their last lines are in the queue.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping)
        {
            await _finished.Task.ConfigureAwait(false);
            return;
        }

        _stopping = true;
        _wake.Set();
        try
        {
            await _finished.Task.WaitAsync(DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The output accepts nothing (a pipe nobody reads): the thread stays blocked in its write, and the process
            // may exit around it (it is a background thread). Its lines are the ones still queued.
            AccessLogEvents.OutputBlocked(_log.AccessLog, _queue.Count);
            return;
        }

        _output.Dispose();
        _wake.Dispose();
    }
}
