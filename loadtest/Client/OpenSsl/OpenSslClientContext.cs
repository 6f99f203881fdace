using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using static Terminator.LoadTest.Client.OpenSsl.OpenSslNative;

namespace Terminator.LoadTest.Client.OpenSsl;

/// <summary>
/// The one client <c>SSL_CTX</c> a target's connections share: TLS 1.2 and 1.3, ALPN http/1.1, and (unless
/// <c>--insecure</c>) <c>SSL_VERIFY_PEER</c> against the trusted roots, which are parsed into its <c>X509_STORE</c> once
/// here rather than per connection. The host name is checked per connection (<see cref="OpenSslConnection"/>).
/// </summary>
/// <remarks>
/// Roots given with <c>--ca</c> (or the demo's CA) are trust anchors whether or not they are self-signed
/// (<c>X509_V_FLAG_PARTIAL_CHAIN</c>), as SslStream's <c>CustomRootTrust</c> treats its custom store; without them,
/// the system's default roots. A chain verified once is remembered (<see cref="VerifiedChainCache"/>). OpenSSL checks the server-auth purpose (EKU) of the chain on its own for a client.
/// Revocation is not checked, as with the SslStream engine. EC and X25519 keys go through OpenSSL's built-in key methods
/// rather than its 3.0 provider lookups (<see cref="LegacyEcKeys"/>). Lives as long as the process's target; the
/// <see cref="SafeHandle"/> frees it if a target is dropped.
/// </remarks>
internal sealed class OpenSslClientContext : SafeHandle
{
    // ALPN wire format: a length-prefixed list (RFC 7301 §3.1).
    private static ReadOnlySpan<byte> Http11Alpn => "\u0008http/1.1"u8;

    /// <summary>For the marshaller (CA1419); <see cref="Create"/> makes them.</summary>
    public OpenSslClientContext()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    public bool Verifies { get; private init; }

    /// <summary>Resumable sessions by server name, for connections that offer one (<c>returning-clients</c>).</summary>
    public OpenSslSessionCache Sessions { get; } = new();

    /// <summary>Chains already verified, so a repeated one skips <c>X509_verify_cert</c> (the host is still checked
    /// on every handshake); installed unless <c>--insecure</c>.</summary>
    public VerifiedChainCache VerifiedChains { get; } = new();

    public static OpenSslClientContext Create(X509Certificate2Collection? trustedRoots, bool insecure)
    {
        // Idempotent; first in a process (before the runtime's own TLS) it decides OPENSSL_INIT_NO_ATEXIT.
        Check(OPENSSL_init_ssl(InitFlags, nint.Zero) == 1, "OPENSSL_init_ssl");
        // Before the roots are parsed, so theirs are built-in EC keys too (LegacyEcKeys: ~200 µs less per handshake).
        LegacyEcKeys.Register();
        nint context = SSL_CTX_new(TLS_client_method());
        if (context == nint.Zero)
        {
            throw new InvalidOperationException("SSL_CTX_new failed: " + OpenSslErrors.DrainReason());
        }

        var created = new OpenSslClientContext { Verifies = !insecure };
        created.SetHandle(context);
        try
        {
            Check(SSL_CTX_ctrl(context, SslCtrlSetMinProtoVersion, Tls12Version, nint.Zero) == 1, "SSL_CTX_set_min_proto_version");
            Check(SSL_CTX_set_alpn_protos(context, ref MemoryMarshal.GetReference(Http11Alpn), (uint)Http11Alpn.Length) == 0, "SSL_CTX_set_alpn_protos");
            if (insecure)
            {
                SSL_CTX_set_verify(context, SslVerifyNone, nint.Zero);
                return created;
            }

            SSL_CTX_set_verify(context, SslVerifyPeer, nint.Zero);
            created.VerifiedChains.Install(context);
            if (trustedRoots is not { Count: > 0 })
            {
                Check(SSL_CTX_set_default_verify_paths(context) == 1, "SSL_CTX_set_default_verify_paths");
                return created;
            }

            nint store = SSL_CTX_get_cert_store(context);
            Check(X509_STORE_set_flags(store, X509VFlagPartialChain) == 1, "X509_STORE_set_flags");
            foreach (X509Certificate2 root in trustedRoots)
            {
                AddToStore(store, root.RawData);
            }

            return created;
        }
        catch
        {
            created.Dispose();
            throw;
        }
    }

    protected override bool ReleaseHandle()
    {
        Sessions.Clear();
        SSL_CTX_free(handle);
        VerifiedChains.Dispose();
        return true;
    }

    private static void AddToStore(nint store, byte[] der)
    {
        nint buffer = Marshal.AllocHGlobal(der.Length);
        try
        {
            Marshal.Copy(der, 0, buffer, der.Length);
            nint cursor = buffer;
            nint certificate = d2i_X509(nint.Zero, ref cursor, der.Length);
            Check(certificate != nint.Zero, "d2i_X509");
            try
            {
                // A root given twice is not an error worth failing on (X509_R_CERT_ALREADY_IN_HASH_TABLE).
                if (X509_STORE_add_cert(store, certificate) != 1)
                {
                    ERR_clear_error();
                }
            }
            finally
            {
                X509_free(certificate);
            }
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
        }
    }

    private static void Check(bool ok, string call)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"{call} failed: {OpenSslErrors.DrainReason()}");
        }
    }
}
