using System.Diagnostics.Tracing;

namespace Terminator.Diagnostics;

/// <summary>
/// Every garbage-collection pause of this process, from the runtime's own events (GCSuspendEEBegin → GCRestartEEEnd,
/// keyword GC, level Informational: about ten events per collection, none per allocation), handed to each subscriber.
/// The total pause time (<see cref="GC.GetTotalPauseDuration"/>) says how much, not how long the longest was, and
/// <see cref="GC.GetGCMemoryInfo(GCKind)"/> polled at a scrape sees only the last collection of each kind: the longest
/// pause is what adds to a request's tail, so each one is observed. Process-wide (the GC is): one listener, started by
/// the first subscriber and kept for the process; events arrive on the runtime's dispatch thread shortly after the
/// pause.
/// </summary>
internal sealed class GcPauseListener : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const int GCRestartEEEnd = 3;
    private const int GCSuspendEEBegin = 9;
    private static readonly Lock s_startGate = new();
    private static GcPauseListener? s_shared;

    private readonly Lock _gate = new();
    // Copy-on-write: subscribers change when a server starts or stops, pauses are read on every collection.
    private Action<TimeSpan>[] _subscribers = [];
    private DateTime _suspendedAt;

    private GcPauseListener()
    {
    }

    /// <summary>Calls <paramref name="onPause"/> with the length of every pause from now on, until the returned handle is
    /// disposed.</summary>
    public static IDisposable Subscribe(Action<TimeSpan> onPause)
    {
        ArgumentNullException.ThrowIfNull(onPause);
        GcPauseListener listener;
        lock (s_startGate)
        {
            // Constructed under the lock: EventListener calls OnEventSourceCreated from its constructor for the sources
            // that already exist, so the runtime's source is enabled before anyone can subscribe twice.
            listener = s_shared ??= new GcPauseListener();
        }

        listener.Add(onPause);
        return new Subscription(listener, onPause);
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == RuntimeSource)
        {
            EnableEvents(eventSource, EventLevel.Informational, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        TimeSpan pause;
        lock (_gate)
        {
            switch (eventData.EventId)
            {
                case GCSuspendEEBegin:
                    _suspendedAt = eventData.TimeStamp;
                    return;
                case GCRestartEEEnd when _suspendedAt != default:
                    pause = eventData.TimeStamp - _suspendedAt;
                    _suspendedAt = default;
                    break;
                default:
                    return;
            }
        }

        foreach (Action<TimeSpan> subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber(pause);
        }
    }

    private void Add(Action<TimeSpan> subscriber)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscriber];
        }
    }

    private void Remove(Action<TimeSpan> subscriber)
    {
        lock (_gate)
        {
            int index = Array.IndexOf(_subscribers, subscriber);
            if (index >= 0)
            {
                _subscribers = [.. _subscribers.AsSpan(0, index), .. _subscribers.AsSpan(index + 1)];
            }
        }
    }

    private sealed class Subscription(GcPauseListener listener, Action<TimeSpan> subscriber) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                listener.Remove(subscriber);
            }
        }
    }
}
