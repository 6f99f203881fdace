using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace Terminator.LoadTest.Client;

/// <summary>
/// One client connection: TCP connect (optionally from a chosen loopback source address, so abusive clients do not
/// share the normal traffic's per-IP connection limit), TLS handshake with the given SNI, then HTTP/1.1 exchanges.
/// Whether the handshake resumed a session is told by the size of the server's flight: a resumed TLS 1.3 handshake
/// carries no Certificate message, so it is several hundred bytes smaller than the full one for the same name.
/// </summary>
internal sealed class TlsConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CountingStream _counting;

    private TlsConnection(Socket socket, CountingStream counting, SslStream tls)
    {
        _socket = socket;
        _counting = counting;
        Tls = tls;
    }

    public SslStream Tls { get; }

    /// <summary>Bytes the server sent during the handshake.</summary>
    public long HandshakeBytesReceived { get; private set; }

    public long BytesSent => _counting.BytesWritten;

    public long BytesReceived => _counting.BytesRead;

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
        var counting = new CountingStream(new NetworkStream(socket, ownsSocket: true));
        var tls = new SslStream(counting, leaveInnerStreamOpen: false);
        var connection = new TlsConnection(socket, counting, tls);
        try
        {
            phase.Current = "handshake";
            await tls.AuthenticateAsClientAsync(settings.Options(serverName, allowResume), cancellationToken).ConfigureAwait(false);
            connection.HandshakeBytesReceived = counting.BytesRead;
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Tls.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }
}
