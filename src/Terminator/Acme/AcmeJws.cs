using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Terminator.Acme.Wire;

namespace Terminator.Acme;

/// <summary>
/// Builds the flattened JWS JSON objects ACME requests are made of (RFC 8555 §6.2, RFC 7515 §7.2.2): base64url of the
/// protected header, of the payload, and of the signature over <c>protected "." payload</c>.
/// </summary>
internal static class AcmeJws
{
    /// <summary>
    /// A request signed with the account key (ES256). The protected header carries <c>alg</c>, <c>nonce</c> and
    /// <c>url</c> (RFC 8555 §6.2, §6.4, §6.5) and either <c>kid</c> = the account URL or, when
    /// <paramref name="accountUrl"/> is null (newAccount, revocation by key), <c>jwk</c> = the public key; never both.
    /// An empty <paramref name="payload"/> is a POST-as-GET (RFC 8555 §6.3).
    /// </summary>
    public static AcmeJwsDocument Sign(AcmeAccountKey key, ReadOnlySpan<byte> payload, Uri url, string nonce, Uri? accountUrl)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(url);
        byte[] header = WriteHeader(writer =>
        {
            writer.WriteString("alg"u8, "ES256"u8);
            if (accountUrl is null)
            {
                writer.WritePropertyName("jwk"u8);
                writer.WriteRawValue(key.Jwk, skipInputValidation: true);
            }
            else
            {
                writer.WriteString("kid"u8, accountUrl.AbsoluteUri);
            }

            writer.WriteString("nonce"u8, nonce);
            writer.WriteString("url"u8, url.AbsoluteUri);
        });

        return Finish(header, payload, key.Sign);
    }

    /// <summary>
    /// The External Account Binding of a newAccount request (RFC 8555 §7.3.4): a JWS over the account's public JWK,
    /// MACed with HS256 under the CA-issued key, whose header has <c>alg</c>, <c>kid</c> = the EAB key id and
    /// <c>url</c> = the newAccount URL, and no nonce.
    /// </summary>
    public static AcmeJwsDocument ExternalAccountBinding(AcmeAccountKey accountKey, string keyId, ReadOnlySpan<byte> hmacKey, Uri newAccountUrl)
    {
        ArgumentNullException.ThrowIfNull(accountKey);
        byte[] header = WriteHeader(writer =>
        {
            writer.WriteString("alg"u8, "HS256"u8);
            writer.WriteString("kid"u8, keyId);
            writer.WriteString("url"u8, newAccountUrl.AbsoluteUri);
        });

        byte[] macKey = hmacKey.ToArray();
        try
        {
            return Finish(header, accountKey.Jwk, input => HMACSHA256.HashData(macKey, input));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(macKey);
        }
    }

    /// <summary>
    /// Decodes an EAB MAC key as CAs print it: base64url without padding (RFC 8555 §7.3.4 examples), tolerating
    /// padding and the standard alphabet. Returns null when it is neither.
    /// </summary>
    public static byte[]? DecodeHmacKey(string text)
    {
        string normalized = text.Trim().TrimEnd('=').Replace('+', '-').Replace('/', '_');
        byte[] buffer = new byte[Base64Url.GetMaxDecodedLength(normalized.Length)];
        return Base64Url.TryDecodeFromChars(normalized, buffer, out int written) && written > 0 ? buffer[..written] : null;
    }

    private delegate byte[] Signer(ReadOnlySpan<byte> signingInput);

    private static AcmeJwsDocument Finish(byte[] header, ReadOnlySpan<byte> payload, Signer sign)
    {
        string protectedPart = Base64Url.EncodeToString(header);
        string payloadPart = Base64Url.EncodeToString(payload);
        // JWS signing input (RFC 7515 §5.1 step 8): ASCII(BASE64URL(header) "." BASE64URL(payload)).
        byte[] signingInput = Encoding.ASCII.GetBytes(protectedPart + "." + payloadPart);
        return new AcmeJwsDocument
        {
            Protected = protectedPart,
            Payload = payloadPart,
            Signature = Base64Url.EncodeToString(sign(signingInput)),
        };
    }

    private static byte[] WriteHeader(Action<Utf8JsonWriter> members)
    {
        using var buffer = new MemoryStream(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
