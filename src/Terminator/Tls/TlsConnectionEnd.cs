using System.Net.Security;
using System.Security.Cryptography;
using Terminator.Infrastructure;
using Terminator.Listener;

namespace Terminator.Tls;

/// <summary>
/// The TLS step's part of a connection's end, run by the listener once the steps after TLS are done
/// (<see cref="ConnectionContext.HandOff"/>): close_notify after a clean end, then the stream's disposal.
/// </summary>
internal sealed class TlsConnectionEnd(SslStream tls) : IConnectionEnd
{
    private static readonly TimeSpan CloseNotifyTimeout = TimeSpan.FromSeconds(1);

    public async ValueTask EndAsync(ConnectionContext connection, bool completed)
    {
        await using (tls.ConfigureAwait(false))
        {
            if (completed && !connection.IsTransportAbandoned)
            {
                // close_notify only after a clean end: after a cut-off response its absence is the client's only
                // signal that the body is incomplete (RFC 8446 §6.1 truncation; RFC 9112 §9.8 incomplete close).
                await CloseNotifyAsync().ConfigureAwait(false);
            }
        }
    }

    private async ValueTask CloseNotifyAsync()
    {
        try
        {
            Task shutdown = tls.ShutdownAsync();
            if (!shutdown.IsCompleted)
            {
                // Almost always complete already (a 24-byte write into an empty socket buffer); the timer is only
                // needed for a peer that stopped reading.
                await shutdown.WaitAsync(CloseNotifyTimeout).ConfigureAwait(false);
            }

            await shutdown.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or CryptographicException || TransportFailure.Is(ex))
        {
            // close_notify is a courtesy; the TCP close follows regardless. OpenSSL refuses to send it while a handshake
            // is in progress — e.g. after a TLS 1.2 client asked to renegotiate, which we refuse (the read fails with an
            // IOException first) — and the runtime reports that as a CryptographicException ("shutdown while in init"):
            // the peer's doing, not ours, so it must not reach the listener's error log.
        }
    }
}
