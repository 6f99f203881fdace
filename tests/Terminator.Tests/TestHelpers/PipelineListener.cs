using System.Net;
using Terminator.Diagnostics;
using Terminator.Listener;

namespace Terminator.Tests.TestHelpers;

/// <summary>A <see cref="SocketListener"/> on an ephemeral loopback port running a pipeline a test composed itself,
/// to exercise one connection step (or a chain of them) without the whole server.</summary>
internal sealed class PipelineListener : IAsyncDisposable
{
    private readonly SocketListener _listener;

    public PipelineListener(ConnectionDelegate pipeline, TerminatorLog? log = null)
    {
        Limiter = new ConnectionLimiter(1000, 1000, ConnectionLimiter.DefaultIPv6PrefixLength);
        _listener = SocketListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), 64, pipeline, Limiter, Drain, Metrics.Https, log ?? TerminatorLog.Silent);
        _listener.Start();
    }

    public IPEndPoint EndPoint => _listener.EndPoint;
    public ConnectionDrain Drain { get; } = new();
    public ConnectionLimiter Limiter { get; }
    public TerminatorMetrics Metrics { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        await Drain.DrainAsync(TimeSpan.FromSeconds(5));
        Drain.Dispose();
        Metrics.Dispose();
    }
}
