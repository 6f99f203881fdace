using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Terminator.Http;
using Terminator.Proxy;
using Terminator.Tls;

namespace Terminator.Acme;

/// <summary>
/// The challenges this node is answering right now, read by both listeners: HTTP-01 key authorizations by token, served
/// on <c>GET /.well-known/acme-challenge/{token}</c> before anything goes upstream (RFC 8555 §8.3), and TLS-ALPN-01
/// challenge certificates by domain, served to a ClientHello offering ALPN <c>acme-tls/1</c> (RFC 8737 §3). Lookups
/// from request and SNI bytes allocate nothing; a request for an unknown token goes upstream as any other request.
/// </summary>
internal sealed class AcmeChallengeTable : IEdgeResponder, ITlsCertificateSelector, IAcmeChallengeResponder
{
    // RFC 8555 §8.3: the path is exactly this prefix followed by the token.
    private static ReadOnlySpan<byte> ChallengePath => "/.well-known/acme-challenge/"u8;

    // Tokens are base64url of at least 128 bits of entropy (RFC 8555 §8.1); nothing longer is ours.
    private const int MaxTokenLength = 256;
    private const int MaxDomainLength = 255;

    private readonly ConcurrentDictionary<string, byte[]> _http01 = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]>.AlternateLookup<ReadOnlySpan<char>> _http01Lookup;
    private readonly ConcurrentDictionary<string, ITlsServerCertificate> _tlsAlpn01 = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ITlsServerCertificate>.AlternateLookup<ReadOnlySpan<char>> _tlsAlpn01Lookup;

    public AcmeChallengeTable()
    {
        _http01Lookup = _http01.GetAlternateLookup<ReadOnlySpan<char>>();
        _tlsAlpn01Lookup = _tlsAlpn01.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>HTTP-01 challenges currently answered.</summary>
    public int Http01Count => _http01.Count;

    /// <summary>Answers <c>/.well-known/acme-challenge/<paramref name="token"/></c> with <paramref name="keyAuthorization"/>.</summary>
    public void AddHttp01(string token, string keyAuthorization) => _http01[token] = Encoding.ASCII.GetBytes(keyAuthorization);

    public void RemoveHttp01(string token) => _http01.TryRemove(token, out _);

    /// <summary>Serves <paramref name="certificate"/> to <c>acme-tls/1</c> handshakes for <paramref name="domain"/> (lower case).</summary>
    public void AddTlsAlpn01(string domain, ITlsServerCertificate certificate) => _tlsAlpn01[domain] = certificate;

    public void RemoveTlsAlpn01(string domain) => _tlsAlpn01.TryRemove(domain, out _);

    /// <inheritdoc />
    public ValueTask PresentAsync(AcmeChallengeResponse challenge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        if (challenge.Type == AcmeChallengeTypes.TlsAlpn01)
        {
            AddTlsAlpn01(challenge.Domain, challenge.TlsAlpnCertificate
                ?? throw new ArgumentException("a tls-alpn-01 challenge without its certificate", nameof(challenge)));
        }
        else
        {
            AddHttp01(challenge.Token, challenge.KeyAuthorization);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask CleanupAsync(AcmeChallengeResponse challenge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        if (challenge.Type == AcmeChallengeTypes.TlsAlpn01)
        {
            // Only this challenge's certificate: a newer order for the same domain may have replaced it meanwhile.
            if (challenge.TlsAlpnCertificate is { } certificate)
            {
                _tlsAlpn01.TryRemove(new KeyValuePair<string, ITlsServerCertificate>(challenge.Domain, certificate));
            }
        }
        else
        {
            RemoveHttp01(challenge.Token);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public bool TryWriteResponse(HttpRequestHead request, IBufferWriter<byte> output, bool closeConnection, ReadOnlySpan<byte> extraFields)
    {
        ReadOnlySpan<byte> target = request.OriginFormTarget;
        if (!target.StartsWith(ChallengePath) || _http01.IsEmpty)
        {
            return false;
        }

        bool head = request.IsHead;
        if (!head && !request.Method.SequenceEqual("GET"u8))
        {
            return false;
        }

        ReadOnlySpan<byte> token = target[ChallengePath.Length..];
        if (token.IsEmpty || token.Length > MaxTokenLength)
        {
            return false;
        }

        Span<char> chars = stackalloc char[MaxTokenLength];
        for (int i = 0; i < token.Length; i++)
        {
            byte b = token[i];
            // base64url alphabet only (RFC 4648 §5); a query string or anything else is not a token of ours.
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_'))
            {
                return false;
            }

            chars[i] = (char)b;
        }

        if (!_http01Lookup.TryGetValue(chars[..token.Length], out byte[]? keyAuthorization))
        {
            return false;
        }

        WriteResponse(output, keyAuthorization, head, closeConnection, extraFields);
        return true;
    }

    /// <inheritdoc />
    public ITlsServerCertificate? Select(ReadOnlySpan<byte> serverName, in ClientHelloInfo hello)
    {
        if (serverName.IsEmpty || serverName.Length > MaxDomainLength || _tlsAlpn01.IsEmpty)
        {
            return null;
        }

        Span<char> chars = stackalloc char[MaxDomainLength];
        for (int i = 0; i < serverName.Length; i++)
        {
            chars[i] = (char)serverName[i]; // already lower-case ASCII from the ClientHello parser
        }

        return _tlsAlpn01Lookup.TryGetValue(chars[..serverName.Length], out ITlsServerCertificate? certificate) ? certificate : null;
    }

    private static void WriteResponse(IBufferWriter<byte> output, byte[] body, bool head, bool closeConnection, ReadOnlySpan<byte> extraFields)
    {
        // RFC 8555 §8.3: the body is the key authorization; the CA ignores the content type.
        ReadOnlySpan<byte> status = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nCache-Control: no-store\r\nContent-Length: "u8;
        ReadOnlySpan<byte> close = "\r\nConnection: close"u8;
        Span<byte> length = stackalloc byte[11];
        body.Length.TryFormat(length, out int digits);
        int size = status.Length + digits + (closeConnection ? close.Length : 0) + 2 + extraFields.Length + 2 + (head ? 0 : body.Length);
        Span<byte> span = output.GetSpan(size);
        int at = 0;
        status.CopyTo(span);
        at += status.Length;
        length[..digits].CopyTo(span[at..]);
        at += digits;
        if (closeConnection)
        {
            close.CopyTo(span[at..]);
            at += close.Length;
        }

        "\r\n"u8.CopyTo(span[at..]);
        at += 2;
        extraFields.CopyTo(span[at..]);
        at += extraFields.Length;
        "\r\n"u8.CopyTo(span[at..]);
        at += 2;
        if (!head)
        {
            body.CopyTo(span[at..]);
            at += body.Length;
        }

        output.Advance(at);
    }
}
