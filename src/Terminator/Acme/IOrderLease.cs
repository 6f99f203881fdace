namespace Terminator.Acme;

/// <summary>A held order lease: kept alive while held, given back on dispose.</summary>
internal interface IOrderLease : IAsyncDisposable
{
    /// <summary>Cancelled (and logged by the implementation) when the lease could not be kept (taken over after expiry,
    /// or not renewable before it expired): the order must stop, another node may be ordering.</summary>
    CancellationToken Lost { get; }

    /// <summary>Why the lease was lost (null while held).</summary>
    string? LostReason { get; }
}
