using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>
/// The SSL_MODE_RELEASE_BUFFERS workaround reaches SslStream's private SSL handle: these fail when a runtime change
/// moves it, so the workaround is re-checked instead of silently doing nothing (or worse).
/// </summary>
public sealed class OpenSslRecordBuffersTests
{
    [Fact]
    public void ThisRuntime_HasTheVerifiedShape()
    {
        Assert.True(OpenSslRecordBuffers.IsAvailable,
            $"SslStream._securityContext is not the SafeDeleteSslContext verified on .NET 10 (runtime {Environment.Version}): re-check OpenSslRecordBuffers");
    }

    [Fact]
    public async Task AfterARealHandshake_TheModeIsSet()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=release-buffers.test", key, HashAlgorithmName.SHA256);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        using var clientSocket = new TcpClient();
        Task connect = clientSocket.ConnectAsync((IPEndPoint)listener.LocalEndpoint, timeout.Token).AsTask();
        using TcpClient serverSocket = await listener.AcceptTcpClientAsync(timeout.Token);
        await connect;
        await using var server = new SslStream(serverSocket.GetStream());
        await using var client = new SslStream(clientSocket.GetStream(), false,
            (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString());

        Task serverHandshake = server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, timeout.Token);
        await client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "release-buffers.test" }, timeout.Token);
        await serverHandshake;

        Assert.True(OpenSslRecordBuffers.TryRelease(server));

        // The connection still carries data both ways with the buffers released between records.
        await client.WriteAsync("ping"u8.ToArray(), timeout.Token);
        var buffer = new byte[4];
        await server.ReadExactlyAsync(buffer, timeout.Token);
        Assert.Equal("ping"u8.ToArray(), buffer);
        await server.WriteAsync("pong"u8.ToArray(), timeout.Token);
        await client.ReadExactlyAsync(buffer, timeout.Token);
        Assert.Equal("pong"u8.ToArray(), buffer);
    }
}
