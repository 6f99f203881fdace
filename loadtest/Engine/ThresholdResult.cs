namespace Terminator.LoadTest.Engine;

/// <summary>A threshold checked against a finished scenario: "clicks.p99: p99 latency &lt;= 250ms, was 12.3ms".</summary>
internal sealed record ThresholdResult(string Name, string Rule, string Actual, bool Passed)
{
    public override string ToString() => $"{Name}: {Rule}, was {Actual}{(Passed ? "" : " (VIOLATED)")}";
}
