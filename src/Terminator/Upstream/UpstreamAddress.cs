using System.Net;

namespace Terminator.Upstream;

/// <summary>One resolved address of the upstream and its connection accounting. Mutable fields are guarded by the pool's lock.</summary>
internal sealed class UpstreamAddress(IPEndPoint endPoint)
{
    public IPEndPoint EndPoint { get; } = endPoint;

    /// <summary>Idle + active + connecting connections counted against <see cref="UpstreamPoolOptions.MaxConnectionsPerAddress"/>.</summary>
    public int Total;

    /// <summary>Dropped from DNS: gets no new connections, its idle ones are drained and returned ones retired.</summary>
    public bool Defunct;

    public override string ToString() => EndPoint.ToString();
}
