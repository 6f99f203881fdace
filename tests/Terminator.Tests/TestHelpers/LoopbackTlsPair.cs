using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// Two SslStreams over a real loopback TCP connection, handshaken with a fresh self-signed ECDSA certificate for
/// <c>name</c> (the client accepts exactly that certificate): for tests that reach into a live SslStream's OpenSSL
/// state. Everything is bounded by <see cref="Timeout"/> (20 s) and disposed together.
/// </summary>
internal sealed class LoopbackTlsPair : IAsyncDisposable
{
    private readonly ECDsa _key;
    private readonly TcpClient _clientSocket;
    private readonly TcpClient _serverSocket;
    private readonly CancellationTokenSource _timeout;

    private LoopbackTlsPair(ECDsa key, X509Certificate2 certificate, TcpClient clientSocket, TcpClient serverSocket, CancellationTokenSource timeout)
    {
        _key = key;
        Certificate = certificate;
        _clientSocket = clientSocket;
        _serverSocket = serverSocket;
        _timeout = timeout;
        Server = new SslStream(serverSocket.GetStream());
        Client = new SslStream(clientSocket.GetStream(), false,
            (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString());
    }

    public X509Certificate2 Certificate { get; }
    public SslStream Server { get; }
    public SslStream Client { get; }
    public CancellationToken Timeout => _timeout.Token;

    public static async Task<LoopbackTlsPair> HandshakeAsync(string name)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var clientSocket = new TcpClient();
        Task connect = clientSocket.ConnectAsync((IPEndPoint)listener.LocalEndpoint, timeout.Token).AsTask();
        TcpClient serverSocket = await listener.AcceptTcpClientAsync(timeout.Token);
        await connect;

        var pair = new LoopbackTlsPair(key, certificate, clientSocket, serverSocket, timeout);
        try
        {
            Task serverHandshake = pair.Server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, timeout.Token);
            await pair.Client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = name }, timeout.Token);
            await serverHandshake;
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
        _clientSocket.Dispose();
        _serverSocket.Dispose();
        Certificate.Dispose();
        _key.Dispose();
        _timeout.Dispose();
    }
}
