using System.Collections.Concurrent;
using Terminator.LoadTest.Client;
using Terminator.LoadTest.Target;

namespace Terminator.LoadTest.Scenarios;

/// <summary>
/// Tells a resumed handshake from a full one from the client's side, by the server's handshake flight: a full TLS 1.3
/// handshake carries the Certificate and CertificateVerify messages (hundreds of bytes for even one P-256
/// certificate), a resumed one does not. Each name's full size is measured once first, with resumption forbidden.
/// (Neither the demo nor SslStream says "resumed" itself, and the terminator's metrics do not count it.)
/// </summary>
internal sealed class ResumptionDetector(TargetInfo target)
{
    /// <summary>Smaller by at least this much than the full flight: the smallest certificate message there is.</summary>
    private const long MinimumSaving = 200;

    private readonly ConcurrentDictionary<string, long> _fullFlight = new(StringComparer.Ordinal);

    /// <summary>One full handshake per name (not measured); a name that fails here stays unmeasured and never counts
    /// as resumed.</summary>
    public async Task MeasureFullHandshakesAsync(IEnumerable<string> names, CancellationToken cancellationToken)
    {
        foreach (string name in names)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(ScenarioSettings.RequestTimeout);
                await using TlsConnection connection = await TlsConnection.OpenAsync(target.EndPoint, name, target.Tls, allowResume: false,
                    source: null, new PhaseTracker(), timeout.Token).ConfigureAwait(false);
                _fullFlight[name] = connection.HandshakeBytesReceived;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Reported through the scenario's own errors when it runs.
            }
        }
    }

    public bool IsResumed(string name, long handshakeBytes) =>
        _fullFlight.TryGetValue(name, out long full) && handshakeBytes <= full - MinimumSaving;
}
