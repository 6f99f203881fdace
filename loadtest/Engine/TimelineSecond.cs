namespace Terminator.LoadTest.Engine;

/// <summary>One second of a scenario's measured time: its counters and the latencies recorded in it.</summary>
internal sealed class TimelineSecond
{
    public required int Second { get; init; }

    public required LatencySummary Latency { get; init; }

    public long Iterations { get; init; }

    public long Errors { get; init; }

    public long Requests { get; init; }

    public long Handshakes { get; init; }

    public long ResumedHandshakes { get; init; }

    public long BytesSent { get; init; }

    public long BytesReceived { get; init; }

    /// <summary>Requests started but not finished when the second ended (open model: grows when the target falls behind).</summary>
    public long InFlight { get; init; }
}
