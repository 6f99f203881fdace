using System.Diagnostics.Metrics;
using System.Globalization;

namespace Terminator.Diagnostics;

/// <summary>
/// Reads one <see cref="Meter"/>'s instruments for an exporter: a <see cref="MeterListener"/> that listens to that meter
/// instance only (so servers side by side in one process, each with its own "Terminator" meter, never mix), aggregates
/// its histograms into fixed buckets as they record, and on <see cref="Collect"/> runs the observable instruments'
/// callbacks and returns every instrument's series, in the order the instruments were created.
/// </summary>
/// <remarks>
/// Histograms use the bucket boundaries the instrument was created with (<see cref="InstrumentAdvice{T}"/>), or
/// <see cref="DefaultBounds"/>. Synchronous counters are not supported (the Terminator's counters are plain fields
/// published through observable instruments) and are ignored.
/// </remarks>
internal sealed class MeterCollector : IDisposable
{
    /// <summary>Seconds, 5 ms to 10 s (the OpenTelemetry HTTP duration advice).</summary>
    public static IReadOnlyList<double> DefaultBounds { get; } = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly Meter _meter;
    private readonly MeterListener _listener;
    private readonly Lock _gate = new();
    private readonly List<InstrumentState> _instruments = [];

    public MeterCollector(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _meter = meter;
        _listener = new MeterListener { InstrumentPublished = OnInstrumentPublished };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentState)state!).Add(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentState)state!).Add(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentState)state!).Add(value, tags));
        _listener.Start();
    }

    /// <summary>Every instrument's series as of now (runs the observable callbacks). One collection at a time.</summary>
    public IReadOnlyList<CollectedMetric> Collect()
    {
        lock (_gate)
        {
            foreach (InstrumentState state in _instruments)
            {
                state.BeginCollect();
            }

            // Calls each observable instrument's callback; its measurements arrive on this thread through Add.
            _listener.RecordObservableInstruments();
            var collected = new List<CollectedMetric>(_instruments.Count);
            foreach (InstrumentState state in _instruments)
            {
                Instrument instrument = state.Instrument;
                collected.Add(new CollectedMetric(instrument.Name, instrument.Unit, instrument.Description, state.Type, state.EndCollect()));
            }

            return collected;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!ReferenceEquals(instrument.Meter, _meter))
        {
            return;
        }

        InstrumentState? state = instrument switch
        {
            Histogram<double> histogram => new HistogramState(instrument, histogram.Advice?.HistogramBucketBoundaries ?? DefaultBounds),
            Histogram<long> histogram => new HistogramState(instrument, ToDoubles(histogram.Advice?.HistogramBucketBoundaries)),
            _ when instrument.IsObservable && TypeOfObservable(instrument) is { } type => new ObservedState(instrument, type),
            _ => null,
        };

        if (state is null)
        {
            return;
        }

        lock (_gate)
        {
            _instruments.Add(state);
        }

        listener.EnableMeasurementEvents(instrument, state);
    }

    private static MetricType? TypeOfObservable(Instrument instrument)
    {
        Type definition = instrument.GetType().GetGenericTypeDefinition();
        if (definition == typeof(ObservableCounter<>))
        {
            return MetricType.Counter;
        }

        return definition == typeof(ObservableGauge<>) || definition == typeof(ObservableUpDownCounter<>) ? MetricType.Gauge : null;
    }

    private static IReadOnlyList<double> ToDoubles(IReadOnlyList<long>? bounds)
    {
        if (bounds is null)
        {
            return DefaultBounds;
        }

        var converted = new double[bounds.Count];
        for (int i = 0; i < converted.Length; i++)
        {
            converted[i] = bounds[i];
        }

        return converted;
    }

    private static KeyValuePair<string, string>[] CopyTags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return [];
        }

        var copy = new KeyValuePair<string, string>[tags.Length];
        for (int i = 0; i < tags.Length; i++)
        {
            copy[i] = new(tags[i].Key, Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? string.Empty);
        }

        return copy;
    }

    private abstract class InstrumentState(Instrument instrument, MetricType type)
    {
        public Instrument Instrument { get; } = instrument;

        public MetricType Type { get; } = type;

        public abstract void Add(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

        public virtual void BeginCollect()
        {
        }

        public abstract IReadOnlyList<MetricPoint> EndCollect();
    }

    /// <summary>An observable instrument: its measurements arrive only while <see cref="Collect"/> runs (under its lock).</summary>
    private sealed class ObservedState(Instrument instrument, MetricType type) : InstrumentState(instrument, type)
    {
        private List<MetricPoint> _points = [];

        public override void BeginCollect() => _points = [];

        public override void Add(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => _points.Add(new MetricPoint(CopyTags(tags), value));

        public override IReadOnlyList<MetricPoint> EndCollect() => _points;
    }

    /// <summary>
    /// A histogram, aggregated as it records (on the recording thread, lock-free). Untagged recordings — every histogram
    /// of the Terminator's — go straight to one series; a tag set gets its own series, found by a scan of the (few)
    /// series created so far and created under a lock the first time.
    /// </summary>
    private sealed class HistogramState(Instrument instrument, IReadOnlyList<double> bounds) : InstrumentState(instrument, MetricType.Histogram)
    {
        private readonly HistogramBuckets _untagged = new(bounds);
        private readonly Lock _seriesGate = new();
        private TaggedSeries[] _tagged = [];

        public override void Add(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.IsEmpty)
            {
                _untagged.Record(value);
                return;
            }

            FindOrAdd(tags).Buckets.Record(value);
        }

        public override IReadOnlyList<MetricPoint> EndCollect()
        {
            TaggedSeries[] tagged = Volatile.Read(ref _tagged);
            var points = new List<MetricPoint>(tagged.Length + 1);
            HistogramSnapshot untagged = _untagged.Snapshot();
            // An unused histogram still shows its zero series, so a dashboard can tell "no events" from "no metric".
            if (untagged.Count > 0 || tagged.Length == 0)
            {
                points.Add(new MetricPoint([], 0, untagged));
            }

            foreach (TaggedSeries series in tagged)
            {
                points.Add(new MetricPoint(series.Tags, 0, series.Buckets.Snapshot()));
            }

            return points;
        }

        private TaggedSeries FindOrAdd(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (TaggedSeries series in Volatile.Read(ref _tagged))
            {
                if (series.Matches(tags))
                {
                    return series;
                }
            }

            lock (_seriesGate)
            {
                foreach (TaggedSeries series in _tagged)
                {
                    if (series.Matches(tags))
                    {
                        return series;
                    }
                }

                var added = new TaggedSeries(tags.ToArray(), CopyTags(tags), new HistogramBuckets(bounds));
                Volatile.Write(ref _tagged, [.. _tagged, added]);
                return added;
            }
        }
    }

    private sealed record TaggedSeries(KeyValuePair<string, object?>[] Raw, KeyValuePair<string, string>[] Tags, HistogramBuckets Buckets)
    {
        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length != Raw.Length)
            {
                return false;
            }

            for (int i = 0; i < tags.Length; i++)
            {
                if (!string.Equals(tags[i].Key, Raw[i].Key, StringComparison.Ordinal) || !Equals(tags[i].Value, Raw[i].Value))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
