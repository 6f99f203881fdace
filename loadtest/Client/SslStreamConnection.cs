using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.LoadTest.Client;

/// <summary>A connection of the SslStream engine (<see cref="TlsEngineKind.SslStream"/>): .NET's TLS client over a
/// byte-counting stream.</summary>
internal sealed class SslStreamConnection : TlsConnection
{
    private readonly CountingStream _counting;
    private readonly SslStream _tls;
    private long _handshakeBytesReceived;

    private SslStreamConnection(Socket socket, CountingStream counting, SslStream tls)
        : base(socket)
    {
        _counting = counting;
        _tls = tls;
    }

    public override Stream Stream => _tls;

    public override X509Certificate? RemoteCertificate => _tls.RemoteCertificate;

    public override long HandshakeBytesReceived => _handshakeBytesReceived;

    public override bool? Resumed => null;

    public override long BytesSent => _counting.BytesWritten;

    public override long BytesReceived => _counting.BytesRead;

    public static async Task<TlsConnection> HandshakeAsync(Socket socket, string serverName, TlsSettings settings, bool allowResume, CancellationToken cancellationToken)
    {
        var counting = new CountingStream(new NetworkStream(socket, ownsSocket: false));
        var tls = new SslStream(counting, leaveInnerStreamOpen: false);
        var connection = new SslStreamConnection(socket, counting, tls);
        try
        {
            await tls.AuthenticateAsClientAsync(settings.Options(serverName, allowResume), cancellationToken).ConfigureAwait(false);
            connection._handshakeBytesReceived = counting.BytesRead;
            return connection;
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
