using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>
/// signature_algorithms → <see cref="ClientHelloInfo.OffersEcdsa"/>: which of a name's certificates (ECDSA or RSA) this
/// client can verify.
/// </summary>
public class ClientHelloSignatureAlgorithmsTests
{
    private const ushort EcdsaP256Sha256 = 0x0403, EcdsaP384Sha384 = 0x0503, EcdsaP521Sha512 = 0x0603, EcdsaSha1 = 0x0203;
    private const ushort RsaPssRsaeSha256 = 0x0804, RsaPkcs1Sha256 = 0x0401, Ed25519 = 0x0807, Grease = 0x8a8a;
    private const ushort Tls13Aes128 = 0x1301, EcdheEcdsaAes128Gcm = 0xc02b, EcdheRsaAes128Gcm = 0xc02f;

    [Theory]
    [MemberData(nameof(ClientHelloCaptures.All), MemberType = typeof(ClientHelloCaptures))]
    public void TryParse_RealCapture_OffersEcdsa(string name)
    {
        // openssl, curl and Chromium (with GREASE and ML-DSA schemes in the list) all offer ecdsa_secp256r1_sha256.
        Assert.Equal(ClientHelloParseStatus.Success, ClientHelloParserTests.Parse(ClientHelloCaptures.Load(name), out var info, out _));
        Assert.True(info.OffersEcdsa);
    }

    [Theory]
    [InlineData(true, EcdsaP256Sha256)]
    [InlineData(true, EcdsaP384Sha384)]
    [InlineData(true, EcdsaP521Sha512)]
    [InlineData(true, Grease, RsaPssRsaeSha256, EcdsaP256Sha256)]
    [InlineData(false, RsaPssRsaeSha256, RsaPkcs1Sha256)]      // openssl s_client -sigalgs rsa_pss_rsae_sha256:rsa_pkcs1_sha256
    [InlineData(false, EcdsaSha1, RsaPkcs1Sha256)]             // SHA-1 ECDSA does not count: OpenSSL 3 refuses to sign with it
    [InlineData(false, Ed25519)]                               // EdDSA is not ECDSA
    [InlineData(false, Grease)]
    public void TryParse_Tls13SignatureAlgorithms_DecideEcdsa(bool expected, params ushort[] schemes)
    {
        byte[] hello = Tls13().WithSignatureAlgorithms(schemes).Build();

        Assert.Equal(ClientHelloParseStatus.Success, ClientHelloParserTests.Parse(hello, out var info, out _));
        Assert.Equal(expected, info.OffersEcdsa);
    }

    [Fact]
    public void TryParse_Tls13WithoutSignatureAlgorithms_NoEcdsa()
    {
        // RFC 8446 §4.2.3: a 1.3 hello without the extension cannot be authenticated with any certificate; RSA it is.
        Assert.Equal(ClientHelloParseStatus.Success, ClientHelloParserTests.Parse(Tls13().Build(), out var info, out _));
        Assert.False(info.OffersEcdsa);
    }

    [Fact]
    public void TryParse_SignatureAlgorithmsCertOnly_IsNotConsulted()
    {
        // signature_algorithms_cert (50) speaks about the chain's signatures, not the leaf key's handshake signature.
        byte[] hello = Tls13()
            .WithSignatureAlgorithms([RsaPssRsaeSha256])
            .WithSignatureAlgorithms([EcdsaP256Sha256], type: 50)
            .Build();

        Assert.Equal(ClientHelloParseStatus.Success, ClientHelloParserTests.Parse(hello, out var info, out _));
        Assert.False(info.OffersEcdsa);
    }

    [Theory]
    // No extension: RFC 5246 §7.4.1.4.1 defaults to {sha1, <the suite's signature algorithm>}.
    [InlineData(true, false, null, EcdheEcdsaAes128Gcm, EcdheRsaAes128Gcm)]
    [InlineData(false, false, null, EcdheRsaAes128Gcm)]
    // With the extension, it must list ECDSA *and* an ECDHE_ECDSA suite must be on offer (the 1.2 suite names the key type).
    [InlineData(true, true, new ushort[] { EcdsaP256Sha256, RsaPkcs1Sha256 }, EcdheEcdsaAes128Gcm, EcdheRsaAes128Gcm)]
    [InlineData(false, true, new ushort[] { RsaPssRsaeSha256, RsaPkcs1Sha256 }, EcdheEcdsaAes128Gcm, EcdheRsaAes128Gcm)]
    [InlineData(false, true, new ushort[] { EcdsaP256Sha256, RsaPkcs1Sha256 }, EcdheRsaAes128Gcm)]
    // TLS 1.3 in supported_versions but no TLS 1.3 suite: 1.2 will be negotiated, so 1.2's rule applies.
    [InlineData(true, true, new ushort[] { EcdsaP256Sha256 }, EcdheEcdsaAes128Gcm)]
    public void TryParse_Tls12_EcdsaNeedsSuiteAndSignatureAlgorithms(bool expected, bool withTls13Version, ushort[]? schemes, params ushort[] suites)
    {
        var builder = new ClientHelloBuilder { CipherSuites = suites }.WithServerName("a.example");
        if (withTls13Version)
        {
            builder.WithSupportedVersions(0x0304, 0x0303);
        }

        if (schemes is not null)
        {
            builder.WithSignatureAlgorithms(schemes);
        }

        Assert.Equal(ClientHelloParseStatus.Success, ClientHelloParserTests.Parse(builder.Build(), out var info, out _));
        Assert.Equal(expected, info.OffersEcdsa);
    }

    public static TheoryData<string, byte[]> MalformedExtensions => new()
    {
        { "empty extension_data", [] },
        { "one byte", [0] },
        { "empty list (minimum is one scheme)", [0, 0] },
        { "odd list length", [0, 3, 4, 3, 8] },
        { "odd list length, consistent", [0, 1, 4] },
        { "list longer than the extension", [0, 4, 4, 3] },
        { "list shorter than the extension", [0, 2, 4, 3, 8, 4] },
        { "list length 0xFFFF", [0xff, 0xff, 4, 3] },
    };

    [Theory]
    [MemberData(nameof(MalformedExtensions))]
    public void TryParse_MalformedSignatureAlgorithms_MalformedNeverThrows(string why, byte[] data)
    {
        foreach (ClientHelloBuilder builder in new[] { Tls13(), new ClientHelloBuilder().WithServerName("a.example") })
        {
            byte[] hello = builder.AddExtension(13, data).Build();

            var contiguous = ClientHelloParserSegmentationTests.ParseSpan(hello);
            Assert.True(contiguous.Status == ClientHelloParseStatus.Malformed, why);
            Assert.Equal(contiguous, ClientHelloParserSegmentationTests.ParseSequence(SegmentedSequence.Split(hello, hello.Length / 2)));
        }
    }

    [Fact]
    public void TryParse_DuplicateSignatureAlgorithms_Malformed()
    {
        byte[] hello = Tls13().WithSignatureAlgorithms([EcdsaP256Sha256]).WithSignatureAlgorithms([RsaPkcs1Sha256]).Build();

        Assert.Equal(ClientHelloParseStatus.Malformed, ClientHelloParserTests.Parse(hello, out _, out _));
    }

    [Fact]
    public void TryParse_RsaOnlyHello_AllocatesNothing()
    {
        byte[] hello = Tls13().WithSignatureAlgorithms([Grease, RsaPssRsaeSha256, RsaPkcs1Sha256]).Build();
        var serverName = new byte[ClientHelloParser.MaxServerNameLength];
        ClientHelloParser.TryParse(hello, serverName, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool offersEcdsa = false;
        for (int i = 0; i < 1_000; i++)
        {
            ClientHelloParser.TryParse(hello, serverName, out ClientHelloInfo info);
            offersEcdsa |= info.OffersEcdsa;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.False(offersEcdsa);
    }

    private static ClientHelloBuilder Tls13() =>
        new ClientHelloBuilder { CipherSuites = [Tls13Aes128, EcdheEcdsaAes128Gcm, EcdheRsaAes128Gcm] }
            .WithServerName("a.example")
            .WithSupportedVersions(0x0304, 0x0303);
}
