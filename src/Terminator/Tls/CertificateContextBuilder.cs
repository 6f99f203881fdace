using System.Collections.ObjectModel;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Tls;

/// <summary>
/// Builds a certificate's <see cref="SslStreamCertificateContext"/> from the chain the operator supplied, as nginx and
/// HAProxy serve it (leaf, then the file's other certificates in file order), without the X.509 chain build that
/// <see cref="SslStreamCertificateContext.Create(X509Certificate2, X509Certificate2Collection?, bool, SslCertificateTrust?)"/>
/// runs to find the intermediates it is handed anyway.
/// </summary>
/// <remarks>
/// On Linux that chain build is most of a context's cost: 340-470 µs per certificate of the ~1.3-1.7 ms a name's first
/// handshake spends materialising (bench/Terminator.Benchmarks <c>first-handshake</c>), because the runtime creates a new
/// OpenSSL X509_STORE per build and adds every system root to it, and OpenSSL 3.0's X509_STORE_add_cert re-sorts the
/// store's object stack on each add (qsort of X509_NAME_cmp: perf shows X509_NAME_cmp and msort under
/// X509_OBJECT_retrieve_match ← X509_STORE_add_cert ← CryptoNative_X509ChainNew). Nothing of that build reaches the
/// handshake: offline and without revocation checks it can only confirm or reorder the file's certificates.
/// <para>The context is made with the runtime's own (private) constructor, which Create calls after its chain build,
/// and OCSP fetching is switched off the way Create's <c>noOcspFetch</c> does (without a root the context could not
/// fetch anyway). An entry that staples OCSP still goes through Create: stapling needs the root the build finds.
/// If a runtime update renames either member, the first call falls back to Create for the rest of the process (correct,
/// only slower), and <c>CertificateContextBuilderTests.BuildsWithoutAChainBuild</c> fails, so the upgrade is seen.</para>
/// <para>Differences from Create, both what the peers do: a root certificate in the file is sent rather than trimmed,
/// and certificates are sent in file order rather than chain order (RFC 8446 §4.4.2 lets TLS 1.3 clients accept any
/// order after the leaf; a fullchain.pem is leaf-first, issuer-next).</para>
/// </remarks>
internal static class CertificateContextBuilder
{
    private static int s_runtimeMembersMissing;

    /// <summary>True while contexts are built without a chain build (false once the runtime's members were missing).</summary>
    public static bool BuildsWithoutChain => Volatile.Read(ref s_runtimeMembersMissing) == 0;

    /// <summary>The context for <paramref name="leafWithKey"/> sending <paramref name="intermediates"/> after it.</summary>
    /// <param name="leafWithKey">The leaf with its private key; the context keeps it.</param>
    /// <param name="intermediates">The file's other certificates, in file order; the context keeps them.</param>
    /// <param name="stapleOcsp">True for an entry that staples OCSP: built by Create, online, so it finds the root.</param>
    /// <exception cref="NotSupportedException">The certificate has no RSA or ECDSA private key.</exception>
    public static SslStreamCertificateContext Build(X509Certificate2 leafWithKey, X509Certificate2Collection intermediates, bool stapleOcsp)
    {
        ArgumentNullException.ThrowIfNull(leafWithKey);
        ArgumentNullException.ThrowIfNull(intermediates);
        if (stapleOcsp || !BuildsWithoutChain)
        {
            return SslStreamCertificateContext.Create(leafWithKey, intermediates, offline: !stapleOcsp);
        }

        if (!leafWithKey.HasPrivateKey)
        {
            throw new NotSupportedException("The server certificate has no private key.");
        }

        var sent = new X509Certificate2[intermediates.Count];
        intermediates.CopyTo(sent, 0);
        try
        {
            return CreateWithoutChainBuild(leafWithKey, new ReadOnlyCollection<X509Certificate2>(sent));
        }
        catch (MissingMemberException)
        {
            // MissingMethodException (UnsafeAccessor found no such member): this runtime is not the one measured.
            Volatile.Write(ref s_runtimeMembersMissing, 1);
            return SslStreamCertificateContext.Create(leafWithKey, intermediates, offline: true);
        }
    }

    // Not inlined: a missing member must surface as an exception at this call, inside Build's try.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static SslStreamCertificateContext CreateWithoutChainBuild(X509Certificate2 leafWithKey, ReadOnlyCollection<X509Certificate2> intermediates)
    {
        SslStreamCertificateContext context = NewContext(leafWithKey, intermediates, trust: null);
        SetNoOcspFetch(context, noOcspFetch: true);
        return context;
    }

    // dotnet/runtime SslStreamCertificateContext(X509Certificate2 target, ReadOnlyCollection<X509Certificate2>
    // intermediates, SslCertificateTrust? trust): what Create constructs once its chain build has picked the intermediates.
    [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
    private static extern SslStreamCertificateContext NewContext(X509Certificate2 target, ReadOnlyCollection<X509Certificate2> intermediates, SslCertificateTrust? trust);

    // SslStreamCertificateContext.Linux.cs: partial void SetNoOcspFetch(bool), which Create calls right after construction.
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "SetNoOcspFetch")]
    private static extern void SetNoOcspFetch(SslStreamCertificateContext context, bool noOcspFetch);
}
