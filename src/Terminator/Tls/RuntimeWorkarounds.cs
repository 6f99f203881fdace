using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.Diagnostics;

namespace Terminator.Tls;

/// <summary>
/// Checks, once at start-up, that the four workarounds reaching into the runtime's private members still find them,
/// and reports which are in effect now (<see cref="Current"/>: each one turns itself off for good the first time a
/// member is missing).
/// </summary>
/// <remarks>
/// Each workaround falls back to the runtime's own (correct, costlier) behaviour on a runtime it was not verified on,
/// and a test fails on such a runtime. The daemon does not run tests, though: after a .NET update on a host the fallback
/// would be silent, and an operator would see only the cost (first handshakes, memory per certificate and per idle
/// connection). <see cref="Probe"/> exercises the first two on a throwaway in-memory certificate before any real one
/// loads (the third is decided by its field lookup) and the fourth on the first flight of a client handshake that goes
/// nowhere, so the daemon can say at start-up which ones are off.
/// </remarks>
internal static class RuntimeWorkarounds
{
    /// <summary>The workarounds in effect now.</summary>
    public static RuntimeWorkaroundState Current => new(
        CertificateContextBuilder.BuildsWithoutChain,
        RuntimeSslContextRent.IsAvailable,
        OpenSslRecordBuffers.IsAvailable,
        OpenSslIdleBuffers.IsAvailable);

    /// <summary>Builds a certificate context and rents its SSL_CTX for a throwaway self-signed P-256 certificate (a few
    /// milliseconds, once), so a missing runtime member turns its workaround off now; returns <see cref="Current"/>.</summary>
    /// <param name="rentSslContext">False when SSL_CTX pinning is off (TERMINATOR_SSL_CTX_PIN=off): the rent is not
    /// used, so it is not probed.</param>
    public static RuntimeWorkaroundState Probe(bool rentSslContext)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=terminator.invalid", key, HashAlgorithmName.SHA256);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 certificate = request.CreateSelfSigned(now.AddMinutes(-1), now.AddMinutes(10));
        SslStreamCertificateContext context = CertificateContextBuilder.Build(certificate, [], stapleOcsp: false);
        if (rentSslContext)
        {
            SslServerAuthenticationOptions options = TlsPolicy.CreateServerOptions(context);
            try
            {
                if (RuntimeSslContextRent.TryRent(options, out SafeHandle? rent))
                {
                    rent.Dispose();
                }
            }
            catch (CryptographicException)
            {
                // Building the SSL_CTX failed for this throwaway certificate: nothing about the rent's members.
            }
        }

        ProbeIdleBuffers();
        return Current;
    }

    /// <summary>Starts a client handshake over a stream that takes the ClientHello and then ends, and releases the
    /// SSL's BIO buffers while the hello is being written (the runtime has taken it out of the write BIO by then): a
    /// runtime whose SSL has other than memory BIOs turns <see cref="OpenSslIdleBuffers"/> off here.</summary>
    private static void ProbeIdleBuffers()
    {
        if (!OpenSslIdleBuffers.IsAvailable)
        {
            return;
        }

        var transport = new FirstFlightStream();
        using var client = new SslStream(transport, leaveInnerStreamOpen: true);
        transport.FirstWrite = () => OpenSslIdleBuffers.TryRelease(client);
        try
        {
            client.AuthenticateAsClient(new SslClientAuthenticationOptions { TargetHost = "terminator.invalid" });
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException)
        {
            // Expected: the stream ends after the hello.
        }
    }

    /// <summary>A transport for <see cref="ProbeIdleBuffers"/>: runs a callback on the first write and reads as ended.</summary>
    private sealed class FirstFlightStream : Stream
    {
        public Action? FirstWrite { get; set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Action? first = FirstWrite;
            FirstWrite = null;
            first?.Invoke();
        }

        public override int Read(byte[] buffer, int offset, int count) => 0;

        public override int Read(Span<byte> buffer) => 0;

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
