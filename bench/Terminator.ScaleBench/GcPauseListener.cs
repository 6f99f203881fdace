using System.Diagnostics.Tracing;

namespace Terminator.ScaleBench;

/// <summary>
/// Every GC pause in this process, from the runtime's own events (GCSuspendEEBegin → GCRestartEEEnd, keyword GC): the
/// longest pause and how many background (concurrent) and blocking gen2 collections ran. Polling
/// <see cref="GC.GetGCMemoryInfo(GCKind)"/> misses GCs between polls and cannot see a background GC's own pauses.
/// </summary>
internal sealed class GcPauseListener : EventListener
{
    private const int GCStart = 1;
    private const int GCEnd = 2;
    private const int GCRestartEEEnd = 3;
    private const int GCSuspendEEBegin = 9;
    private readonly Lock _gate = new();
    private DateTime _suspendedAt;
    private bool _enabled;

    public double MaxPauseMs { get; private set; }

    public int Pauses { get; private set; }

    public int BackgroundGen2 { get; private set; }

    public int BlockingGen2 { get; private set; }

    /// <summary>Gen2 collections (of either kind) that have ended since the last <see cref="Reset"/>.</summary>
    public int Gen2Ended => Volatile.Read(ref _gen2Ended);

    private int _gen2Ended;

    /// <summary>Starts counting from now (events of earlier collections are ignored).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            MaxPauseMs = 0;
            Pauses = BackgroundGen2 = BlockingGen2 = 0;
            Volatile.Write(ref _gen2Ended, 0);
            _suspendedAt = default;
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime" && !_enabled)
        {
            _enabled = true;
            EnableEvents(eventSource, EventLevel.Informational, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        lock (_gate)
        {
            switch (e.EventId)
            {
                case GCSuspendEEBegin:
                    _suspendedAt = e.TimeStamp;
                    break;
                case GCRestartEEEnd when _suspendedAt != default:
                    double ms = (e.TimeStamp - _suspendedAt).TotalMilliseconds;
                    MaxPauseMs = Math.Max(MaxPauseMs, ms);
                    Pauses++;
                    _suspendedAt = default;
                    break;
                case GCEnd when e.Payload is { Count: >= 2 } && Convert.ToUInt32(e.Payload[1], System.Globalization.CultureInfo.InvariantCulture) == 2:
                    Interlocked.Increment(ref _gen2Ended);
                    break;
                case GCStart when e.Payload is { Count: >= 4 }:
                    // Payload: Count, Depth, Reason, Type (0 blocking, 1 background, 2 foreground during a background GC).
                    if (Convert.ToUInt32(e.Payload[1], System.Globalization.CultureInfo.InvariantCulture) == 2)
                    {
                        if (Convert.ToUInt32(e.Payload[3], System.Globalization.CultureInfo.InvariantCulture) == 1)
                        {
                            BackgroundGen2++;
                        }
                        else
                        {
                            BlockingGen2++;
                        }
                    }

                    break;
            }
        }
    }
}
