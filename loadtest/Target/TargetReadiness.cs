using System.Diagnostics;
using Terminator.LoadTest.Client;

namespace Terminator.LoadTest.Target;

/// <summary>
/// Before any load: one full handshake and <c>GET /q/</c> per configured name until each has answered (any status),
/// retried until a deadline. The demo prints its ports before it has served anything, and on a loaded machine its first
/// handshakes (JIT, each certificate's context built on first use) and the client's own took seconds, which the warm-up
/// alone did not absorb: a 3-second smoke then failed its p99 on start-up, not on load.
/// </summary>
internal static class TargetReadiness
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    public static async Task WaitAsync(TargetInfo target, TimeSpan limit, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        foreach (string name in target.Names.Exact)
        {
            string? last = null;
            while (true)
            {
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(ProbeTimeout);
                    await using TlsConnection connection = await TlsConnection.OpenAsync(target.EndPoint, name, target.Tls, allowResume: false,
                        source: null, new PhaseTracker(), timeout.Token).ConfigureAwait(false);
                    await HttpExchange.SendGetAsync(connection.Stream, name, "/q/", 0, null, close: true, timeout.Token).ConfigureAwait(false);
                    await HttpExchange.ReadResponseAsync(connection.Stream, timeout.Token).ConfigureAwait(false);
                    break;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    last = ErrorKinds.Classify(ex, "probe");
                }

                if (clock.Elapsed > limit)
                {
                    throw new InvalidOperationException($"the target did not serve {name} within {limit.TotalSeconds:0}s: {last}");
                }

                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
