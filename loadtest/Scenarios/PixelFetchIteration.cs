using Terminator.LoadTest.Client;
using Terminator.LoadTest.Engine;
using Terminator.LoadTest.Target;

namespace Terminator.LoadTest.Scenarios;

/// <summary>
/// One open-pixel fetch on an image proxy's keep-alive connection (closed model: the connection is the client copy's
/// <see cref="ScenarioContext.State"/>): <c>GET /q/&lt;id&gt;</c>, 200 with the 43-byte GIF expected. A copy opens its
/// connection (to one name, as a proxy pools per host) on its first iteration, and again only after an error or a
/// <c>Connection: close</c>.
/// </summary>
internal sealed class PixelFetchIteration(TargetInfo target)
{
    public async ValueTask<IterationResult> RunAsync(ScenarioContext context)
    {
        var phase = new PhaseTracker { Current = "request" };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.Stopping);
        timeout.CancelAfter(ScenarioSettings.RequestTimeout);
        var proxy = context.State as ProxyConnection;
        int handshakes = 0;
        long sentBefore = proxy?.Connection.BytesSent ?? 0;
        long receivedBefore = proxy?.Connection.BytesReceived ?? 0;
        try
        {
            if (proxy is null)
            {
                IReadOnlyList<string> names = target.Names.Exact;
                string name = names[context.Copy % names.Count];
                TlsConnection opened = await TlsConnection.OpenAsync(target.EndPoint, name, target.Tls, allowResume: true, source: null, phase, timeout.Token).ConfigureAwait(false);
                proxy = new ProxyConnection(name, opened);
                context.State = proxy;
                handshakes = 1;
                phase.Current = "request";
            }

            await HttpExchange.SendGetAsync(proxy.Connection.Stream, proxy.Name, "/q/", Random.Shared.NextInt64(), null, close: false, timeout.Token).ConfigureAwait(false);
            phase.Current = "response";
            HttpResponse response = await HttpExchange.ReadResponseAsync(proxy.Connection.Stream, timeout.Token).ConfigureAwait(false);
            string? error = response.Status == 0 ? "closed before response"
                : response.Status != 200 ? HttpStatusKinds.Of(response.Status)
                : !response.BodyIsGif || response.BodyLength != 43 ? "not the 43-byte GIF"
                : null;
            var result = new IterationResult
            {
                Error = error,
                Requests = 1,
                Handshakes = handshakes,
                BytesSent = proxy.Connection.BytesSent - sentBefore,
                BytesReceived = proxy.Connection.BytesReceived - receivedBefore,
            };
            if (error is not null || response.ConnectionClose)
            {
                await CloseAsync(context).ConfigureAwait(false);
            }

            return result;
        }
        catch (Exception ex) when (!context.Stopping.IsCancellationRequested)
        {
            await CloseAsync(context).ConfigureAwait(false);
            return IterationResult.Fail(ErrorKinds.Classify(ex, phase.Current), phase.Current is "request" or "response" ? 1 : 0, handshakes);
        }
    }

    private static async Task CloseAsync(ScenarioContext context)
    {
        if (context.State is ProxyConnection proxy)
        {
            context.State = null;
            await proxy.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class ProxyConnection(string name, TlsConnection connection) : IAsyncDisposable
    {
        public string Name { get; } = name;

        public TlsConnection Connection { get; } = connection;

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }
}
