using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>
/// The release of SslStream's memory-BIO buffers reaches its private SSL handle and relies on the runtime's BIOs being
/// OpenSSL memory BIOs: these fail when a runtime change moves either, so the workaround is re-checked instead of
/// silently doing nothing.
/// </summary>
public sealed class OpenSslIdleBuffersTests
{
    [Fact]
    public void ThisRuntime_HasTheVerifiedShape()
    {
        Assert.True(OpenSslIdleBuffers.IsAvailable,
            $"SslStream's SSL is not reachable or its BIOs are not memory BIOs (runtime {Environment.Version}): re-check OpenSslIdleBuffers");
    }

    [Fact]
    public async Task AfterARealHandshake_FreesTheFlightsBuffers_AndTheConnectionStillCarriesData()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=idle-buffers.test", key, HashAlgorithmName.SHA256);
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
        await client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "idle-buffers.test" }, timeout.Token);
        await serverHandshake;

        // The server's flight (certificate, verify, finished) went through its write BIO: at least the certificate's size.
        long freed = OpenSslIdleBuffers.TryRelease(server);
        Assert.True(freed >= certificate.RawData.Length, $"freed {freed} B, certificate {certificate.RawData.Length} B");
        Assert.Equal(0, OpenSslIdleBuffers.TryRelease(server)); // already empty: nothing freed, nothing allocated

        // Data both ways, releasing between records, several rounds (the BIOs grow again and are emptied again).
        var buffer = new byte[4];
        for (int round = 0; round < 3; round++)
        {
            await client.WriteAsync("ping"u8.ToArray(), timeout.Token);
            await server.ReadExactlyAsync(buffer, timeout.Token);
            Assert.Equal("ping"u8.ToArray(), buffer);
            Assert.True(OpenSslIdleBuffers.TryRelease(server) > 0, "the request record grew the read BIO again");
            await server.WriteAsync("pong"u8.ToArray(), timeout.Token);
            await client.ReadExactlyAsync(buffer, timeout.Token);
            Assert.Equal("pong"u8.ToArray(), buffer);
            Assert.True(OpenSslIdleBuffers.TryRelease(server) > 0, "the response record grew the write BIO again");
            Assert.True(OpenSslIdleBuffers.TryRelease(client) > 0);
        }

        // A response of 64 KiB goes out as 16 KiB records: the write BIO grows to hold one whole record (and BUF_MEM
        // rounds up by a third), which a keep-alive connection would otherwise keep for the rest of its life.
        byte[] large = new byte[64 * 1024];
        await server.WriteAsync(large, timeout.Token);
        await client.ReadExactlyAsync(new byte[large.Length], timeout.Token);
        long freedAfterLarge = OpenSslIdleBuffers.TryRelease(server);
        Assert.True(freedAfterLarge >= 16 * 1024, $"freed {freedAfterLarge} B after a 64 KiB response");
    }
}
