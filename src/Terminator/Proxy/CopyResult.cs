namespace Terminator.Proxy;

/// <summary>How a body copy ended (<see cref="CopyOutcome"/>) and how many body bytes the destination accepted (flushed
/// without error): the access log's body size, exact also for a copy cut short.</summary>
internal readonly record struct CopyResult(CopyOutcome Outcome, long Bytes);
