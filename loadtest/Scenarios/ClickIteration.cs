using Terminator.LoadTest.Client;
using Terminator.LoadTest.Engine;
using Terminator.LoadTest.Target;

namespace Terminator.LoadTest.Scenarios;

/// <summary>
/// One click: a new TCP connection and TLS handshake with an SNI drawn from the target's names, <c>GET /f/&lt;id&gt;</c>
/// with a redirect target, and the 302 expected, with <c>Connection: close</c> as a mail client's browser tab that
/// never comes back would leave it. Shared by <c>clicks</c>, <c>returning-clients</c> (with resumption) and the normal
/// traffic of <c>slow-and-bad-clients</c> and <c>cert-churn</c> (whose <see cref="ClickObserver"/> sees each click's name,
/// start and the certificate the server presented).
/// </summary>
internal sealed class ClickIteration(TargetInfo target, Func<string>? pickName = null, bool allowResume = false, ResumptionDetector? resumption = null,
    ClickObserver? observer = null)
{
    private const string RedirectQuery = "?target=https%3A%2F%2Fexample.org%2Foffer";

    public async ValueTask<IterationResult> RunAsync(ScenarioContext context)
    {
        string name = pickName is null ? target.Names.Pick() : pickName();
        long started = observer is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
        var phase = new PhaseTracker();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.Stopping);
        timeout.CancelAfter(ScenarioSettings.RequestTimeout);
        TlsConnection? connection = null;
        try
        {
            connection = await TlsConnection.OpenAsync(target.EndPoint, name, target.Tls, allowResume, source: null, phase, timeout.Token).ConfigureAwait(false);
            phase.Current = "request";
            await HttpExchange.SendGetAsync(connection.Stream, name, "/f/", Random.Shared.NextInt64(), RedirectQuery, close: true, timeout.Token).ConfigureAwait(false);
            phase.Current = "response";
            HttpResponse response = await HttpExchange.ReadResponseAsync(connection.Stream, timeout.Token).ConfigureAwait(false);
            string? error = response.Status == 302 ? null : response.Status == 0 ? "closed before response" : HttpStatusKinds.Of(response.Status);
            observer?.Invoke(name, started, connection.RemoteCertificate, error);
            return new IterationResult
            {
                Error = error,
                Requests = 1,
                Handshakes = 1,
                // The engine's own word when it has one (OpenSSL's SSL_session_reused), else the flight size.
                ResumedHandshakes = resumption is not null && (connection.Resumed ?? resumption.IsResumed(name, connection.HandshakeBytesReceived)) ? 1 : 0,
                BytesSent = connection.BytesSent,
                BytesReceived = connection.BytesReceived,
            };
        }
        catch (Exception ex) when (!context.Stopping.IsCancellationRequested)
        {
            string error = ErrorKinds.Classify(ex, phase.Current);
            observer?.Invoke(name, started, phase.Current is "request" or "response" ? connection?.RemoteCertificate : null, error);
            return new IterationResult
            {
                Error = error,
                Requests = phase.Current is "request" or "response" ? 1 : 0,
                Handshakes = phase.Current is "request" or "response" ? 1 : 0,
                BytesSent = connection?.BytesSent ?? 0,
                BytesReceived = connection?.BytesReceived ?? 0,
            };
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
