namespace Terminator.LoadTest.Client;

/// <summary>Where an iteration is ("connect", "handshake", "request", "response"), so an exception can be classified
/// by the step it interrupted (NBomber's steps, without a per-step allocation).</summary>
internal sealed class PhaseTracker
{
    public string Current { get; set; } = "connect";
}
