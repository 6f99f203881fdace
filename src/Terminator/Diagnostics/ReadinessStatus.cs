namespace Terminator.Diagnostics;

/// <summary>The phases of <see cref="Readiness"/>, in the only order they happen.</summary>
internal enum ReadinessStatus
{
    /// <summary>Loading certificates and binding listeners.</summary>
    Starting,

    /// <summary>Serving.</summary>
    Ready,

    /// <summary>Stopping: no new connections, in-flight requests finishing.</summary>
    Draining,
}
