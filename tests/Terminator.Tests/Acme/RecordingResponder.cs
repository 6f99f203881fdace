using System.Collections.Concurrent;
using Terminator.Acme;

namespace Terminator.Tests.Acme;

/// <summary>A responder that serves nothing and records the calls (optionally failing or blocking Present).</summary>
internal sealed class RecordingResponder : IAcmeChallengeResponder
{
    private readonly ConcurrentQueue<string> _log = new();

    public IReadOnlyList<string> Log => [.. _log];

    public List<AcmeChallengeResponse> Presented { get; } = [];

    /// <summary>Runs inside Present, after recording (e.g. to cancel the caller's token).</summary>
    public Action<AcmeChallengeResponse>? OnPresent { get; init; }

    public ValueTask PresentAsync(AcmeChallengeResponse challenge, CancellationToken cancellationToken)
    {
        _log.Enqueue($"present {challenge.Type} {challenge.Domain}");
        Presented.Add(challenge);
        OnPresent?.Invoke(challenge);
        return ValueTask.CompletedTask;
    }

    public ValueTask CleanupAsync(AcmeChallengeResponse challenge, CancellationToken cancellationToken)
    {
        _log.Enqueue($"cleanup {challenge.Type} {challenge.Domain}");
        return ValueTask.CompletedTask;
    }
}
