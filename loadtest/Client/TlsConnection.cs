using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Terminator.LoadTest.Client.OpenSsl;

namespace Terminator.LoadTest.Client;

/// <summary>
/// One client connection, the seam between scenarios and the TLS engine (<see cref="TlsSettings.Engine"/>): TCP connect
/// (optionally from a chosen loopback source address, so abusive clients do not share the normal traffic's per-IP
/// connection limit), TLS handshake with the given SNI and the certificate checked, then HTTP/1.1 exchanges on
/// <see cref="Stream"/>. Whether the handshake resumed a session is told by the size of the server's flight (a resumed
/// TLS 1.3 handshake carries no Certificate message, so it is several hundred bytes smaller than the full one for the
/// same name), or by the engine itself when it knows (<see cref="Resumed"/>).
/// </summary>
internal abstract class TlsConnection : IAsyncDisposable
{
    private readonly Socket _socket;

    protected TlsConnection(Socket socket) => _socket = socket;

    /// <summary>Plaintext to and from the server.</summary>
    public abstract Stream Stream { get; }

    /// <summary>The certificate the server presented (null before the handshake completed).</summary>
    public abstract X509Certificate? RemoteCertificate { get; }

    /// <summary>Bytes the server sent during the handshake.</summary>
    public abstract long HandshakeBytesReceived { get; }

    /// <summary>Whether the server resumed the offered session; null when the engine cannot tell (SslStream).</summary>
    public abstract bool? Resumed { get; }

    public abstract long BytesSent { get; }

    public abstract long BytesReceived { get; }

    public static async Task<Socket> ConnectSocketAsync(IPEndPoint target, IPAddress? source, CancellationToken cancellationToken)
    {
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (source is not null)
            {
                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects and completes the handshake; throws (see <see cref="ErrorKinds"/>) on failure, with
    /// <paramref name="phase"/> set to where it failed.</summary>
    public static async Task<TlsConnection> OpenAsync(IPEndPoint target, string serverName, TlsSettings settings, bool allowResume,
        IPAddress? source, PhaseTracker phase, CancellationToken cancellationToken)
    {
        phase.Current = "connect";
        Socket socket = await ConnectSocketAsync(target, source, cancellationToken).ConfigureAwait(false);
        try
        {
            phase.Current = "handshake";
            return settings.Engine == TlsEngineKind.OpenSsl
                ? new OpenSslConnection(socket, await OpenSslStream.ConnectAsync(socket, settings.OpenSslContext, serverName, allowResume, cancellationToken).ConfigureAwait(false))
                : await SslStreamConnection.HandshakeAsync(socket, serverName, settings, allowResume, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        GC.SuppressFinalize(this);
    }
}
