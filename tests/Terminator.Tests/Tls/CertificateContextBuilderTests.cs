using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>Contexts built from the supplied chain without the runtime's chain build: the runtime members it relies on
/// still exist, and a client sees exactly the chain the file holds (so a client that trusts only the root completes its
/// chain through the supplied intermediate, and fails without it).</summary>
public sealed class CertificateContextBuilderTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);
    private readonly ChainOfThree _chain = ChainOfThree.Create();

    public void Dispose() => _chain.Dispose();

    /// <summary>Fails when a runtime update renames the private constructor or SetNoOcspFetch: contexts then fall back to
    /// SslStreamCertificateContext.Create and its chain build (~0.35-0.45 ms per name's first handshake on Linux).</summary>
    [Fact]
    public void BuildsWithoutAChainBuild()
    {
        SslStreamCertificateContext context = CertificateContextBuilder.Build(_chain.LeafWithKey, [_chain.Intermediate], stapleOcsp: false);

        Assert.True(CertificateContextBuilder.BuildsWithoutChain, "the runtime's SslStreamCertificateContext constructor or SetNoOcspFetch is gone");
        Assert.Same(_chain.LeafWithKey, context.TargetCertificate);
    }

    [Fact]
    public void IntermediatesAreTheSuppliedOnes_InFileOrder_RootIncluded()
    {
        SslStreamCertificateContext context = CertificateContextBuilder.Build(_chain.LeafWithKey, [_chain.Intermediate, _chain.Root], stapleOcsp: false);

        Assert.Equal([_chain.Intermediate.Thumbprint, _chain.Root.Thumbprint], context.IntermediateCertificates.Select(c => c.Thumbprint));
    }

    [Fact]
    public void CertificateWithoutPrivateKey_IsRefusedLikeCreate()
    {
        Assert.Throws<NotSupportedException>(() => CertificateContextBuilder.Build(_chain.Intermediate, [], stapleOcsp: false));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Handshake_SendsTheSuppliedIntermediate(bool supplyIntermediate)
    {
        X509Certificate2Collection supplied = supplyIntermediate ? [_chain.Intermediate] : [];
        SslServerAuthenticationOptions options = TlsPolicy.CreateServerOptions(CertificateContextBuilder.Build(_chain.LeafWithKey, supplied, stapleOcsp: false));

        SslPolicyErrors errors = await HandshakeAsync(options);

        // Trusting only the root, with downloads off, the client can complete the chain only with what the server sent.
        Assert.Equal(supplyIntermediate ? SslPolicyErrors.None : SslPolicyErrors.RemoteCertificateChainErrors, errors);
    }

    private async Task<SslPolicyErrors> HandshakeAsync(SslServerAuthenticationOptions options)
    {
        using var cancel = new CancellationTokenSource(s_timeout);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!, cancel.Token);
        using Socket accepted = await listener.AcceptAsync(cancel.Token);
        await using var server = new SslStream(new NetworkStream(accepted, ownsSocket: false));
        await using var tls = new SslStream(new NetworkStream(client, ownsSocket: false));
        SslPolicyErrors seen = SslPolicyErrors.None;
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.Add(_chain.Root);
        Task serving = server.AuthenticateAsServerAsync(options, cancel.Token);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = ChainOfThree.Name,
            CertificateChainPolicy = policy,
            RemoteCertificateValidationCallback = (_, _, _, errors) =>
            {
                seen = errors;
                return errors is SslPolicyErrors.None or SslPolicyErrors.RemoteCertificateChainErrors;
            },
        }, cancel.Token);
        await serving;
        return seen;
    }

    /// <summary>Root → intermediate → leaf (ECDSA P-256), the shape of a public CA's chain.</summary>
    private sealed class ChainOfThree : IDisposable
    {
        public const string Name = "chain.builder.example";

        private ChainOfThree(X509Certificate2 root, X509Certificate2 intermediate, X509Certificate2 leafWithKey)
        {
            Root = root;
            Intermediate = intermediate;
            LeafWithKey = leafWithKey;
        }

        public X509Certificate2 Root { get; }

        public X509Certificate2 Intermediate { get; }

        public X509Certificate2 LeafWithKey { get; }

        public static ChainOfThree Create()
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            using ECDsa rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using ECDsa intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using ECDsa leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

            var rootRequest = new CertificateRequest("CN=Builder Test Root", rootKey, HashAlgorithmName.SHA256);
            rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            using X509Certificate2 rootWithKey = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

            var intermediateRequest = new CertificateRequest("CN=Builder Test Intermediate", intermediateKey, HashAlgorithmName.SHA256);
            intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            X509Certificate2 intermediate = intermediateRequest.Create(rootWithKey, now.AddDays(-1), now.AddDays(20), [1, 2, 3, 4]);

            var leafRequest = new CertificateRequest("CN=" + Name, leafKey, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(Name);
            leafRequest.CertificateExtensions.Add(san.Build());
            leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            using X509Certificate2 leaf = leafRequest.Create(
                intermediate.SubjectName, X509SignatureGenerator.CreateForECDsa(intermediateKey), now.AddDays(-1), now.AddDays(10), [5, 6, 7, 8]);

            X509Certificate2 root = X509CertificateLoader.LoadCertificate(rootWithKey.RawData);
            return new ChainOfThree(root, intermediate, leaf.CopyWithPrivateKey(leafKey));
        }

        public void Dispose()
        {
            Root.Dispose();
            Intermediate.Dispose();
            LeafWithKey.Dispose();
        }
    }
}
