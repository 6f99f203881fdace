namespace Terminator.Diagnostics;

/// <summary>
/// Whether this node should be sent traffic (<c>GET /readyz</c> on the admin listener): not while it starts (certificates
/// loading, listeners not yet bound), yes once it serves, and no again from the moment it starts draining, so a load
/// balancer takes it out before its connections close. Moves forward only: Starting → Ready → Draining.
/// </summary>
internal sealed class Readiness
{
    private int _status;

    public ReadinessStatus Status => (ReadinessStatus)Volatile.Read(ref _status);

    public bool IsReady => Status == ReadinessStatus.Ready;

    /// <summary>Certificates are loaded and every listener is bound. No effect once draining.</summary>
    public void MarkReady() => Interlocked.CompareExchange(ref _status, (int)ReadinessStatus.Ready, (int)ReadinessStatus.Starting);

    /// <summary>The node is stopping; stays so.</summary>
    public void MarkDraining() => Volatile.Write(ref _status, (int)ReadinessStatus.Draining);
}
