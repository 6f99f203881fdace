using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Terminator.Certificates;
using Terminator.Samples.Certificates;

namespace Terminator.ScaleBench;

/// <summary>Runs the bench's own TLS client code against an in-process server first, so the client's JIT and OpenSSL
/// initialisation (about a second) is not charged to the daemon's ready time or first handshake.</summary>
internal static class ClientWarmUp
{
    public static async Task RunAsync()
    {
        using var authority = LocalCertificateAuthority.Create("Scale Bench Warm-up CA");
        IssuedCertificate issued = authority.Issue(["warmup.scale.test"]);
        CertificateEntry entry = CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "warm-up");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endPoint = (IPEndPoint)listener.LocalEndpoint;
        for (int i = 0; i < 20; i++)
        {
            Task server = ServeOneAsync(listener, entry);
            _ = await TlsProbe.HandshakeAsync(endPoint, "warmup.scale.test");
            await server;
        }
    }

    private static async Task ServeOneAsync(TcpListener listener, CertificateEntry entry)
    {
        using Socket socket = await listener.AcceptSocketAsync();
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await tls.AuthenticateAsServerAsync(await entry.GetServerOptionsAsync(CancellationToken.None));
    }
}
