namespace Terminator.Diagnostics;

/// <summary>
/// One kind of listener's connection counters (all HTTPS ports share one, all HTTP ports another), incremented by
/// <c>Listener/SocketListener</c> with one <see cref="Interlocked"/> operation per event. Open connections are not
/// counted separately: they are accepted − refused − closed, read in an order that never goes negative.
/// </summary>
internal sealed class ListenerMetrics
{
    private long _accepted;
    private long _refusedByLimit;
    private long _refusedPerAddress;
    private long _closed;

    /// <param name="name">The <c>listener</c> label: "https" or "http".</param>
    public ListenerMetrics(string name) => Name = name;

    /// <summary>The <c>listener</c> label value.</summary>
    public string Name { get; }

    /// <summary>Connections accepted from the kernel, refused ones included.</summary>
    public long Accepted => Volatile.Read(ref _accepted);

    /// <summary>Connections closed at once because TERMINATOR_MAX_CONNECTIONS was reached.</summary>
    public long RefusedByLimit => Volatile.Read(ref _refusedByLimit);

    /// <summary>Connections closed at once because their client had TERMINATOR_MAX_CONNECTIONS_PER_IP open.</summary>
    public long RefusedPerAddress => Volatile.Read(ref _refusedPerAddress);

    /// <summary>Connections that ran their pipeline and ended.</summary>
    public long Closed => Volatile.Read(ref _closed);

    /// <summary>Connections running their pipeline now.</summary>
    public long Open
    {
        get
        {
            // Each connection is counted accepted before refused or closed, so reading the later counters first keeps
            // the difference >= 0 while others count.
            long closed = Closed;
            long refused = RefusedByLimit + RefusedPerAddress;
            return Accepted - refused - closed;
        }
    }

    internal void ConnectionAccepted() => Interlocked.Increment(ref _accepted);

    /// <summary>Closed right after accept: over the client's limit (<paramref name="perAddress"/>) or the total one.</summary>
    internal void ConnectionRefused(bool perAddress) => Interlocked.Increment(ref perAddress ? ref _refusedPerAddress : ref _refusedByLimit);

    internal void ConnectionClosed() => Interlocked.Increment(ref _closed);
}
