using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Terminator.Acme;

/// <summary>
/// The ACME account key: ECDSA P-256, signing with ES256 (RFC 7518 §3.4). Knows its public JWK (RFC 7517 §4) and its
/// JWK thumbprint (RFC 7638), which every key authorization embeds. The private key never leaves except as PKCS#8 for
/// <see cref="AcmeAccountStore"/> to seal; <see cref="ToString"/> shows the thumbprint only.
/// </summary>
internal sealed class AcmeAccountKey : IDisposable
{
    private readonly ECDsa _key;

    private AcmeAccountKey(ECDsa key)
    {
        ECParameters parameters = key.ExportParameters(includePrivateParameters: false);
        if (parameters.Curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            key.Dispose();
            throw new CryptographicException("an ACME account key must be ECDSA on P-256 (ES256)");
        }

        _key = key;
        // RFC 7518 §6.2.1.2/§6.2.1.3: x and y are the full 32-byte big-endian coordinates, base64url without padding.
        string x = Base64Url.EncodeToString(parameters.Q.X);
        string y = Base64Url.EncodeToString(parameters.Q.Y);
        Jwk = WriteJwk(x, y);
        // RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace: crv, kty, x, y.
        Thumbprint = Base64Url.EncodeToString(SHA256.HashData(Jwk));
    }

    /// <summary>The public JWK, serialised exactly as RFC 7638 §3 hashes it (the same bytes go into the JWS header).</summary>
    public byte[] Jwk { get; }

    /// <summary>base64url(SHA-256(<see cref="Jwk"/>)) (RFC 7638): the suffix of every key authorization (RFC 8555 §8.1).</summary>
    public string Thumbprint { get; }

    /// <summary>A fresh random P-256 key.</summary>
    public static AcmeAccountKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Imports a PKCS#8 DER private key (what <see cref="ExportPkcs8"/> produced).</summary>
    public static AcmeAccountKey FromPkcs8(ReadOnlySpan<byte> pkcs8)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportPkcs8PrivateKey(pkcs8, out _);
        }
        catch
        {
            key.Dispose();
            throw;
        }

        return new AcmeAccountKey(key);
    }

    /// <summary>The private key as PKCS#8 DER in a pinned array the caller wipes (for sealing only).</summary>
    internal byte[] ExportPkcs8()
    {
        byte[] exported = _key.ExportPkcs8PrivateKey();
        byte[] pinned = GC.AllocateArray<byte>(exported.Length, pinned: true);
        exported.CopyTo(pinned, 0);
        CryptographicOperations.ZeroMemory(exported);
        return pinned;
    }

    /// <summary>ES256 over <paramref name="signingInput"/>: the raw 64-byte r||s JWS uses (RFC 7518 §3.4), not DER.</summary>
    public byte[] Sign(ReadOnlySpan<byte> signingInput) =>
        _key.SignData(signingInput, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>The key authorization for a challenge token (RFC 8555 §8.1): <c>token "." thumbprint</c>.</summary>
    public string KeyAuthorization(string token) => token + "." + Thumbprint;

    private static byte[] WriteJwk(string x, string y)
    {
        using var buffer = new MemoryStream(160);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("crv"u8, "P-256"u8);
            writer.WriteString("kty"u8, "EC"u8);
            writer.WriteString("x"u8, x);
            writer.WriteString("y"u8, y);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public void Dispose() => _key.Dispose();

    public override string ToString() => $"AcmeAccountKey(ES256, thumbprint {Thumbprint})";

    /// <summary>The JWK as text (diagnostics and tests; public values only).</summary>
    internal string JwkText => Encoding.UTF8.GetString(Jwk);
}
