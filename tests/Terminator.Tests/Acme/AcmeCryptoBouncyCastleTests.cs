using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;
using Terminator.Acme;
using Terminator.Acme.Wire;
using Terminator.Samples.Certificates;
using BigInteger = Org.BouncyCastle.Math.BigInteger;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Terminator.Tests.Acme;

/// <summary>
/// Our JWS, EAB, CSRs, TLS-ALPN-01 certificates and ARI identifiers checked by an independent implementation
/// (BouncyCastle), so a mistake shared by our writer and the BCL's reader cannot pass unnoticed.
/// </summary>
public sealed class AcmeCryptoBouncyCastleTests
{
    [Fact]
    public void Sign_Es256_VerifiesWithBouncyCastleAgainstTheJwkInTheHeader()
    {
        using var key = AcmeAccountKey.Generate();
        AcmeJwsDocument jws = AcmeJws.Sign(key, """{"termsOfServiceAgreed":true}"""u8, new Uri("https://ca.test/new-account"), "nonce-1", accountUrl: null);

        using JsonDocument header = JsonDocument.Parse(Base64Url.DecodeFromChars(jws.Protected));
        JsonElement jwk = header.RootElement.GetProperty("jwk");
        Assert.Equal("ES256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("nonce-1", header.RootElement.GetProperty("nonce").GetString());
        Assert.Equal("https://ca.test/new-account", header.RootElement.GetProperty("url").GetString());
        Assert.False(header.RootElement.TryGetProperty("kid", out _));
        Assert.Equal("EC", jwk.GetProperty("kty").GetString());
        Assert.Equal("P-256", jwk.GetProperty("crv").GetString());

        byte[] signature = Base64Url.DecodeFromChars(jws.Signature);
        Assert.Equal(64, signature.Length); // r||s, 32 bytes each (RFC 7518 §3.4), not DER
        var curve = NistNamedCurves.GetByName("P-256");
        var publicKey = new ECPublicKeyParameters(curve.Curve.CreatePoint(
            new BigInteger(1, Base64Url.DecodeFromChars(jwk.GetProperty("x").GetString())),
            new BigInteger(1, Base64Url.DecodeFromChars(jwk.GetProperty("y").GetString()))), new ECDomainParameters(curve));
        var verifier = new ECDsaSigner();
        verifier.Init(false, publicKey);
        byte[] input = Encoding.ASCII.GetBytes(jws.Protected + "." + jws.Payload);
        Assert.True(verifier.VerifySignature(Sha256(input), new BigInteger(1, signature[..32]), new BigInteger(1, signature[32..])));
        Assert.False(verifier.VerifySignature(Sha256([.. input, (byte)'x']), new BigInteger(1, signature[..32]), new BigInteger(1, signature[32..])));
    }

    [Fact]
    public void Sign_WithAccountUrl_UsesKidAndNoJwk()
    {
        using var key = AcmeAccountKey.Generate();
        AcmeJwsDocument jws = AcmeJws.Sign(key, ReadOnlySpan<byte>.Empty, new Uri("https://ca.test/order/1"), "n", new Uri("https://ca.test/acct/7"));

        using JsonDocument header = JsonDocument.Parse(Base64Url.DecodeFromChars(jws.Protected));
        Assert.Equal("https://ca.test/acct/7", header.RootElement.GetProperty("kid").GetString());
        Assert.False(header.RootElement.TryGetProperty("jwk", out _));
        Assert.Equal("", jws.Payload); // POST-as-GET: the empty payload (RFC 8555 §6.3)
    }

    [Fact]
    public void Thumbprint_IsBouncyCastlesSha256OfTheRfc7638Members()
    {
        using var key = AcmeAccountKey.Generate();
        using JsonDocument jwk = JsonDocument.Parse(key.Jwk);
        string canonical = $$"""{"crv":"P-256","kty":"EC","x":"{{jwk.RootElement.GetProperty("x").GetString()}}","y":"{{jwk.RootElement.GetProperty("y").GetString()}}"}""";

        Assert.Equal(Base64Url.EncodeToString(Sha256(Encoding.UTF8.GetBytes(canonical))), key.Thumbprint);
        Assert.Equal("tok." + key.Thumbprint, key.KeyAuthorization("tok"));
    }

    [Fact]
    public void ExternalAccountBinding_Hs256_VerifiesWithBouncyCastleOverTheAccountJwk()
    {
        using var key = AcmeAccountKey.Generate();
        byte[] macKey = AcmeJws.DecodeHmacKey("zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W")!;

        AcmeJwsDocument eab = AcmeJws.ExternalAccountBinding(key, "kid-1", macKey, new Uri("https://ca.test/new-account"));

        using JsonDocument header = JsonDocument.Parse(Base64Url.DecodeFromChars(eab.Protected));
        Assert.Equal("HS256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("kid-1", header.RootElement.GetProperty("kid").GetString());
        Assert.Equal("https://ca.test/new-account", header.RootElement.GetProperty("url").GetString());
        Assert.False(header.RootElement.TryGetProperty("nonce", out _)); // RFC 8555 §7.3.4: no nonce in the inner JWS
        Assert.Equal(key.Jwk, Base64Url.DecodeFromChars(eab.Payload));
        var hmac = new HMac(new Sha256Digest());
        hmac.Init(new KeyParameter(macKey));
        byte[] input = Encoding.ASCII.GetBytes(eab.Protected + "." + eab.Payload);
        hmac.BlockUpdate(input, 0, input.Length);
        byte[] expected = new byte[hmac.GetMacSize()];
        hmac.DoFinal(expected, 0);
        Assert.Equal(expected, Base64Url.DecodeFromChars(eab.Signature));
    }

    [Theory]
    [InlineData("zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W", 48)]
    [InlineData("AAECAwQFBgcICQoLDA0ODw", 16)]
    [InlineData("AAECAwQFBgcICQoLDA0ODw==", 16)] // padded
    [InlineData("+/+/", 3)] // standard alphabet
    public void DecodeHmacKey_AcceptsWhatCasPrint(string text, int length) => Assert.Equal(length, AcmeJws.DecodeHmacKey(text)?.Length);

    [Theory]
    [InlineData("ecdsa")]
    [InlineData("rsa")]
    public void Csr_ParsesAndVerifiesWithBouncyCastle_WithEveryNameAsASan(string keyType)
    {
        using AsymmetricAlgorithm key = AcmeCertificateSigningRequest.CreateKey(keyType == "rsa" ? AcmeKeyType.Rsa2048 : AcmeKeyType.EcdsaP256);
        byte[] der = AcmeCertificateSigningRequest.Create(["click.shop.test", "email.shop.test"], key);

        var csr = new Pkcs10CertificationRequest(der);
        Assert.True(csr.Verify());
        Assert.Equal("CN=click.shop.test", csr.GetCertificationRequestInfo().Subject.ToString());
        X509Extensions extensions = csr.GetRequestedExtensions();
        var names = GeneralNames.GetInstance(extensions.GetExtension(X509Extensions.SubjectAlternativeName).GetParsedValue());
        Assert.Equal(["click.shop.test", "email.shop.test"], names.GetNames().Select(n => ((IAsn1String)n.Name).GetString()));
        Assert.All(names.GetNames(), n => Assert.Equal(GeneralName.DnsName, n.TagNo));
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), csr.GetCertificationRequestInfo().SubjectPublicKeyInfo.GetEncoded());
    }

    [Fact]
    public void CreateKey_IsFreshEachTime()
    {
        using AsymmetricAlgorithm first = AcmeCertificateSigningRequest.CreateKey(AcmeKeyType.EcdsaP256);
        using AsymmetricAlgorithm second = AcmeCertificateSigningRequest.CreateKey(AcmeKeyType.EcdsaP256);
        Assert.NotEqual(first.ExportSubjectPublicKeyInfo(), second.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void TlsAlpnCertificate_HasTheCriticalAcmeIdentifierWithTheKeyAuthorizationDigest()
    {
        const string KeyAuthorization = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
        using AcmeTlsAlpnCertificate challenge = AcmeTlsAlpnCertificate.Create("a.shop.test", KeyAuthorization);

        BcCertificate parsed = new X509CertificateParser().ReadCertificate(challenge.Certificate.RawData);
        parsed.Verify(parsed.GetPublicKey()); // self-signed
        Assert.Contains(AcmeTlsAlpnCertificate.AcmeIdentifierOid, parsed.GetCriticalExtensionOids());
        Asn1OctetString extension = parsed.GetExtensionValue(new DerObjectIdentifier(AcmeTlsAlpnCertificate.AcmeIdentifierOid));
        byte[] digest = Asn1OctetString.GetInstance(extension.GetOctets()).GetOctets(); // Authorization ::= OCTET STRING (SIZE (32))
        Assert.Equal(Sha256(Encoding.ASCII.GetBytes(KeyAuthorization)), digest);
        var names = parsed.GetSubjectAlternativeNames();
        Assert.Equal([GeneralName.DnsName, "a.shop.test"], Assert.Single(names).Cast<object>());
        Assert.True(challenge.Certificate.HasPrivateKey);
        Assert.Equal("acme-tls/1", Assert.Single(challenge.ServerOptions.ApplicationProtocols!).ToString());
        Assert.True(challenge.Covers("A.Shop.Test"u8));
        Assert.False(challenge.Covers("b.shop.test"u8));
    }

    [Fact]
    public void CertificateIdentifier_MatchesTheRfc9773Example()
    {
        // RFC 9773 §4.1: keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4, serial 00:87:65:43:21.
        byte[] keyIdentifier = Convert.FromHexString("69885B6B87464041E1B37B847BA0AE2CDE01C8D4");
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ari.test", leafKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(keyIdentifier));
        using X509Certificate2 certificate = request.Create(new X500DistinguishedName("CN=issuer"), X509SignatureGenerator.CreateForECDsa(issuerKey),
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [0x00, 0x87, 0x65, 0x43, 0x21]);

        Assert.Equal("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", AcmeCertificateIdentifier.TryCreate(certificate));
    }

    [Fact]
    public void CertificateIdentifier_AgreesWithBouncyCastleOnAnIssuedCertificate()
    {
        using var authority = LocalCertificateAuthority.Create("ARI test CA");
        for (int i = 0; i < 8; i++) // random serials: some with the high bit set after the first byte, some with leading zeros
        {
            IssuedCertificate issued = authority.Issue(["ari.shop.test"]);
            using X509Certificate2 certificate = X509Certificate2.CreateFromPem(issued.CertificatePem);
            BcCertificate parsed = new X509CertificateParser().ReadCertificate(certificate.RawData);
            var aki = AuthorityKeyIdentifier.GetInstance(Asn1Object.FromByteArray(parsed.GetExtensionValue(X509Extensions.AuthorityKeyIdentifier).GetOctets()));
            string expected = Base64Url.EncodeToString(aki.KeyIdentifier.GetOctets()) + "." + Base64Url.EncodeToString(parsed.SerialNumber.ToByteArray());

            Assert.Equal(expected, AcmeCertificateIdentifier.TryCreate(certificate));
        }
    }

    [Fact]
    public void CertificateIdentifier_WithoutAuthorityKeyIdentifier_IsNull()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 selfSigned = new CertificateRequest("CN=x.test", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Assert.Null(AcmeCertificateIdentifier.TryCreate(selfSigned));
    }

    private static byte[] Sha256(byte[] data)
    {
        var digest = new Sha256Digest();
        digest.BlockUpdate(data, 0, data.Length);
        byte[] output = new byte[digest.GetDigestSize()];
        digest.DoFinal(output, 0);
        return output;
    }
}
