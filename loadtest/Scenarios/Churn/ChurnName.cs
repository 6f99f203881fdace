namespace Terminator.LoadTest.Scenarios.Churn;

/// <summary>
/// One name of <c>cert-churn</c> and where it is in its life. Staying names are served from start to end (some of
/// them renewed); doomed names are served from the start and removed during the run; added names are imported during
/// the run and count as staying from their first successful handshake on. Timestamps are Stopwatch ticks, 0 = not yet.
/// </summary>
internal sealed class ChurnName(string name, ChurnNameKind kind)
{
    public string Name { get; } = name;

    public ChurnNameKind Kind { get; } = kind;

    /// <summary>The store entry serving it now (the last import's id).</summary>
    public string? EntryId { get; set; }

    public string? Serial { get; set; }

    /// <summary>Added names: when the import was on disk, and when the first handshake for it succeeded.</summary>
    public long ImportedAt { get; set; }

    public long FirstServedAt { get; set; }

    /// <summary>Doomed names: when <c>certs remove</c> started, when it had removed the entry, and when a handshake
    /// for the name first failed with <c>unrecognized_name</c> after that.</summary>
    public long RemovingSince { get; set; }

    public long RemovedAt { get; set; }

    public long FirstRefusedAt { get; set; }

    public List<ChurnRenewal> Renewals { get; } = [];
}

internal enum ChurnNameKind
{
    Staying,
    Doomed,
    Added,
}
