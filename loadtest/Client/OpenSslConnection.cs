using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Terminator.LoadTest.Client.OpenSsl;

namespace Terminator.LoadTest.Client;

/// <summary>A connection of the OpenSSL engine (<see cref="TlsEngineKind.OpenSsl"/>).</summary>
internal sealed class OpenSslConnection(Socket socket, OpenSslStream tls) : TlsConnection(socket)
{
    public override Stream Stream => tls;

    public override X509Certificate? RemoteCertificate => tls.PeerCertificate;

    public override long HandshakeBytesReceived => tls.HandshakeBytesReceived;

    public override bool? Resumed => tls.Resumed;

    public override long BytesSent => tls.BytesWritten;

    public override long BytesReceived => tls.BytesRead;
}
