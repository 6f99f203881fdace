using System.Collections.Concurrent;
using HdrHistogram;

namespace Terminator.LoadTest.Engine;

/// <summary>
/// Live measurements of one scenario: iterations record into wait-free counters and an HdrHistogram
/// <see cref="Recorder"/> from any thread; once a second the engine calls <see cref="Sample"/>, which takes the
/// interval histogram and counter deltas as one <see cref="TimelineSecond"/> and adds them to the totals (and to each
/// window the second falls in), so memory stays constant however long the run.
/// </summary>
internal sealed class ScenarioMeter
{
    /// <summary>Latencies in microseconds up to 10 minutes, 3 significant digits (HdrHistogram's usual precision).</summary>
    private const long HighestMicroseconds = 600_000_000;
    private const int SignificantDigits = 3;

    private readonly Recorder _recorder = new(1, HighestMicroseconds, SignificantDigits,
        static (id, lowest, highest, digits) => new LongConcurrentHistogram(id, lowest, highest, digits));
    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly LongHistogram _total = NewHistogram();
    private readonly Dictionary<string, (LongHistogram Latency, Counters Counters, Dictionary<string, long> ErrorsAtStart)> _windows = new(StringComparer.Ordinal);
    private readonly List<TimelineSecond> _timeline = [];
    private readonly Lock _sampleGate = new();
    private long _iterations, _errorCount, _requests, _handshakes, _resumed, _sent, _received, _inFlight;
    private Counters _lastSample;
    private Counters _totals;
    private volatile bool _recording;

    public ScenarioMeter(ScenarioDefinition definition)
    {
        Definition = definition;
    }

    public ScenarioDefinition Definition { get; }

    public IReadOnlyList<TimelineSecond> Timeline => _timeline;

    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Something was recorded since the last <see cref="Sample"/>.</summary>
    public bool HasUnsampledData => Interlocked.Read(ref _iterations) != _lastSample.Iterations;

    /// <summary>Off during the warm-up: iterations still run but nothing is recorded.</summary>
    public bool Recording
    {
        get => _recording;
        set => _recording = value;
    }

    public void Started() => Interlocked.Increment(ref _inFlight);

    /// <summary>Records a finished iteration; <paramref name="counted"/> is false for one that started in the warm-up.</summary>
    public void Record(in IterationResult result, long latencyMicroseconds, bool counted)
    {
        Interlocked.Decrement(ref _inFlight);
        if (!counted)
        {
            return;
        }

        _recorder.RecordValue(Math.Clamp(latencyMicroseconds, 1, HighestMicroseconds));
        Interlocked.Increment(ref _iterations);
        Interlocked.Add(ref _requests, result.Requests);
        Interlocked.Add(ref _handshakes, result.Handshakes);
        Interlocked.Add(ref _resumed, result.ResumedHandshakes);
        Interlocked.Add(ref _sent, result.BytesSent);
        Interlocked.Add(ref _received, result.BytesReceived);
        if (result.Error is { } error)
        {
            Interlocked.Increment(ref _errorCount);
            _errors.AddOrUpdate(error, 1, static (_, count) => count + 1);
        }
    }

    /// <summary>An arrival that was never started (open model, too many in flight): an error without a latency.</summary>
    public void Dropped(string error)
    {
        if (!_recording)
        {
            return;
        }

        Interlocked.Increment(ref _iterations);
        Interlocked.Increment(ref _errorCount);
        _errors.AddOrUpdate(error, 1, static (_, count) => count + 1);
    }

    /// <summary>Closes measured second <paramref name="second"/> (0-based from the end of the warm-up).</summary>
    public TimelineSecond Sample(int second)
    {
        lock (_sampleGate)
        {
            HistogramBase interval = _recorder.GetIntervalHistogram();
            Counters now = Read();
            Counters delta = now - _lastSample;
            _lastSample = now;
            _totals = now;
            _total.Add(interval);
            foreach (StatsWindow window in Definition.Windows)
            {
                if (second == (int)window.From.TotalSeconds)
                {
                    _windows[window.Name] = (NewHistogram(), default, new Dictionary<string, long>(_errors, StringComparer.Ordinal));
                }

                if (second >= window.From.TotalSeconds && second < window.To.TotalSeconds && _windows.TryGetValue(window.Name, out var slice))
                {
                    slice.Latency.Add(interval);
                    _windows[window.Name] = (slice.Latency, slice.Counters + delta, slice.ErrorsAtStart);
                }
            }

            var point = new TimelineSecond
            {
                Second = second,
                Latency = LatencySummary.From(interval),
                Iterations = delta.Iterations,
                Errors = delta.Errors,
                Requests = delta.Requests,
                Handshakes = delta.Handshakes,
                ResumedHandshakes = delta.Resumed,
                BytesSent = delta.Sent,
                BytesReceived = delta.Received,
                InFlight = InFlight,
            };
            _timeline.Add(point);
            return point;
        }
    }

    /// <summary>The whole measured run (after the last <see cref="Sample"/>).</summary>
    public ScenarioStats Stats()
    {
        lock (_sampleGate)
        {
            // The scheduled time, not the timeline's length: its last entry may be the part-second of iterations
            // that finished after the end.
            return Build(null, Definition.MeasuredDuration.TotalSeconds, _totals, _total, Sorted(_errors));
        }
    }

    /// <summary>One window; null when the run ended before it started.</summary>
    public ScenarioStats? Stats(StatsWindow window)
    {
        lock (_sampleGate)
        {
            if (!_windows.TryGetValue(window.Name, out var slice))
            {
                return null;
            }

            var errors = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach ((string kind, long count) in _errors)
            {
                long delta = count - slice.ErrorsAtStart.GetValueOrDefault(kind);
                if (delta > 0)
                {
                    errors[kind] = delta;
                }
            }

            double seconds = Math.Min(window.To.TotalSeconds, Definition.MeasuredDuration.TotalSeconds) - window.From.TotalSeconds;
            return Build(window.Name, seconds, slice.Counters, slice.Latency, Sorted(errors));
        }
    }

    private ScenarioStats Build(string? window, double seconds, Counters counters, HistogramBase latency, IReadOnlyList<KeyValuePair<string, long>> errors) => new()
    {
        Scenario = Definition.Name,
        Window = window,
        Seconds = seconds,
        Iterations = counters.Iterations,
        Errors = counters.Errors,
        Requests = counters.Requests,
        Handshakes = counters.Handshakes,
        ResumedHandshakes = counters.Resumed,
        BytesSent = counters.Sent,
        BytesReceived = counters.Received,
        Latency = LatencySummary.From(latency),
        ErrorsByKind = errors,
    };

    private static List<KeyValuePair<string, long>> Sorted(IEnumerable<KeyValuePair<string, long>> errors)
    {
        var list = new List<KeyValuePair<string, long>>(errors);
        list.Sort(static (a, b) => b.Value.CompareTo(a.Value));
        return list;
    }

    private Counters Read() => new(
        Interlocked.Read(ref _iterations), Interlocked.Read(ref _errorCount), Interlocked.Read(ref _requests),
        Interlocked.Read(ref _handshakes), Interlocked.Read(ref _resumed), Interlocked.Read(ref _sent), Interlocked.Read(ref _received));

    private static LongHistogram NewHistogram() => new(1, HighestMicroseconds, SignificantDigits);

    private readonly record struct Counters(long Iterations, long Errors, long Requests, long Handshakes, long Resumed, long Sent, long Received)
    {
        public static Counters operator -(Counters a, Counters b) => new(
            a.Iterations - b.Iterations, a.Errors - b.Errors, a.Requests - b.Requests, a.Handshakes - b.Handshakes,
            a.Resumed - b.Resumed, a.Sent - b.Sent, a.Received - b.Received);

        public static Counters operator +(Counters a, Counters b) => new(
            a.Iterations + b.Iterations, a.Errors + b.Errors, a.Requests + b.Requests, a.Handshakes + b.Handshakes,
            a.Resumed + b.Resumed, a.Sent + b.Sent, a.Received + b.Received);
    }
}
