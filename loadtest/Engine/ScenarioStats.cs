namespace Terminator.LoadTest.Engine;

/// <summary>The figures of one scenario over its measured time or one window of it (NBomber's <c>ScenarioStats</c>).</summary>
internal sealed record ScenarioStats
{
    public required string Scenario { get; init; }

    /// <summary>Null for the whole measured run.</summary>
    public string? Window { get; init; }

    public double Seconds { get; init; }

    public long Iterations { get; init; }

    public long Errors { get; init; }

    public long Requests { get; init; }

    public long Handshakes { get; init; }

    public long ResumedHandshakes { get; init; }

    public long BytesSent { get; init; }

    public long BytesReceived { get; init; }

    public required LatencySummary Latency { get; init; }

    /// <summary>Error kind → count, largest first.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> ErrorsByKind { get; init; } = [];

    public double ErrorPercent => Iterations == 0 ? double.NaN : 100.0 * Errors / Iterations;

    public double RequestsPerSecond => Seconds <= 0 ? 0 : Requests / Seconds;

    public double IterationsPerSecond => Seconds <= 0 ? 0 : Iterations / Seconds;

    public double HandshakesPerSecond => Seconds <= 0 ? 0 : Handshakes / Seconds;

    public double ResumedPercent => Handshakes == 0 ? double.NaN : 100.0 * ResumedHandshakes / Handshakes;
}
