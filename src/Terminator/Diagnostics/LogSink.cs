using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Terminator.Diagnostics;

/// <summary>
/// The daemon's log output: an <see cref="ILoggerProvider"/> whose loggers format a line on the caller's thread and put
/// it in a bounded queue; one background thread writes the queue to <see cref="_output"/> (stderr: the journal) in
/// batches, one flush per batch. A caller never waits for the terminal: when the queue is full (the journal or a pipe
/// is stalled) the line is dropped and counted (<see cref="Dropped"/>), and once the writer catches up it writes one
/// <c>warn [log] N log lines dropped</c> line.
/// </summary>
/// <remarks>
/// Why not Microsoft.Extensions.Logging.Console: its queue can drop too (QueueFullMode.DropWrite), but the number it
/// dropped is private (metrics need it as a <c>long</c>), it writes only to the process's console (tests capture a
/// log per server, in parallel, through a <see cref="TextWriter"/>), its formats need a custom formatter anyway for
/// <c>timestamp level [area] message</c>, and it brings the options/configuration/DI packages into a NativeAOT daemon.
/// This is one lock (held only to enqueue or swap the batch, never during I/O), a list and a thread.
/// </remarks>
internal sealed class LogSink : ILoggerProvider
{
    /// <summary>Lines waiting for the writer before new ones are dropped: ~1-2 MiB of strings at worst; with rate
    /// limiting on every per-request warning, a burst this size means the output itself is stuck.</summary>
    public const int DefaultCapacity = 4096;

    /// <summary>How long <see cref="Dispose"/> waits for queued lines to reach a terminal that may be stuck.</summary>
    private static readonly TimeSpan DisposeTimeout = TimeSpan.FromSeconds(2);

    private readonly TextWriter _output;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<string, LogSinkLogger> _loggers = new(StringComparer.Ordinal);
    // An object, not a Lock: the writer sleeps and Flush waits with Monitor.Wait, which needs a monitor.
    private readonly object _gate = new();
    private List<string> _pending = [];
    private List<string> _writing = [];
    private Thread? _writer;
    private bool _writerIdle;
    private bool _stopping;
    private long _enqueued;
    private long _written;
    private long _dropped;
    private long _droppedReported;

    /// <param name="output">Where lines go; written only by the sink's own thread.</param>
    public LogSink(TextWriter output, LogFormat format, LogLevel minimum, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _output = output;
        _capacity = capacity;
        Format = format;
        Minimum = minimum;
    }

    public LogFormat Format { get; }

    public LogLevel Minimum { get; }

    /// <summary>Lines dropped because the queue was full (a counter for metrics).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public ILogger CreateLogger(string categoryName) =>
        _loggers.GetOrAdd(categoryName, static (name, sink) => new LogSinkLogger(sink, name), this);

    /// <summary>Queues a finished line; never blocks on the output.</summary>
    public void Write(string line)
    {
        lock (_gate)
        {
            if (_stopping || _pending.Count >= _capacity)
            {
                Interlocked.Increment(ref _dropped);
                return;
            }

            _pending.Add(line);
            _enqueued++;
            if (_writer is null)
            {
                _writer = new Thread(static s => ((LogSink)s!).WriteLoop()) { IsBackground = true, Name = "terminator log" };
                _writer.Start(this);
            }
            else if (_writerIdle)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Waits until every line queued before the call has been written and flushed; false on timeout.</summary>
    public bool Flush(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_gate)
        {
            long target = _enqueued;
            while (_written < target)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0 || _writer is null)
                {
                    return _written >= target;
                }

                Monitor.Wait(_gate, (int)Math.Min(left, int.MaxValue));
            }

            return true;
        }
    }

    /// <summary>Writes what is queued (waiting at most 2 s for a stuck output), then stops the writer.</summary>
    public void Dispose()
    {
        Thread? writer;
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            writer = _writer;
            Monitor.PulseAll(_gate);
        }

        if (writer is not null && !writer.Join(DisposeTimeout))
        {
            return; // the output is stuck: leave it to the process exit rather than hang the shutdown
        }

        try
        {
            _output.Flush();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // stderr closed: nothing left to tell anyone
        }
    }

    private void WriteLoop()
    {
        while (true)
        {
            lock (_gate)
            {
                while (_pending.Count == 0 && !_stopping)
                {
                    _writerIdle = true;
                    Monitor.Wait(_gate);
                    _writerIdle = false;
                }

                if (_pending.Count == 0)
                {
                    return; // stopping, and everything is written
                }

                (_pending, _writing) = (_writing, _pending);
            }

            WriteBatch(_writing);
            int count = _writing.Count;
            _writing.Clear();
            lock (_gate)
            {
                _written += count;
                Monitor.PulseAll(_gate); // Flush() waiters
            }
        }
    }

    private void WriteBatch(List<string> lines)
    {
        try
        {
            foreach (string line in lines)
            {
                _output.WriteLine(line);
            }

            long dropped = Dropped;
            if (dropped > _droppedReported)
            {
                _output.WriteLine(LinesDroppedLine(dropped - _droppedReported));
                _droppedReported = dropped;
            }

            _output.Flush();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // stderr gone (the journal restarted without us): the lines are lost either way; count them, keep serving.
            Interlocked.Add(ref _dropped, lines.Count);
        }
    }

    private string LinesDroppedLine(long count)
    {
        var fields = new KeyValuePair<string, object?>[] { new("count", count) };
        return LogLineFormatter.Format(Format, DateTime.UtcNow, LogLevel.Warning, "log", LinesDroppedEvent,
            $"{count} log lines dropped: the log output did not keep up", fields, exception: null);
    }

    /// <summary>The sink's own event (Diagnostics range 1100-1199).</summary>
    internal static readonly EventId LinesDroppedEvent = new(1100, "LinesDropped");
}
