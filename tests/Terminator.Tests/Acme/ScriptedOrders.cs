using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
namespace Terminator.Tests.Acme;

/// <summary>
/// A script for <see cref="ScriptedAcmeServer"/> that runs whole orders, for any names and any number of orders at once:
/// newOrder (order <c>n</c> at <c>/order/n</c>, one authorization per name at <c>/authz/n-i</c> offering http-01 at
/// <c>/chall/n-i</c>), the authorization valid once its challenge was answered, finalize signing the CSR with a
/// throwaway CA (the CSR's key, the order's names, an Authority Key Identifier as real CAs put in), and the chain at
/// <c>/cert/n</c>. No validation: what the manager does with the CA's answers is under test, not the challenge responder.
/// Switches make it fail or stall a step; anything it does not know falls through to the server's defaults.
/// Certificates are dated by <see cref="Clock"/>, so a manager on a test clock sees them as just issued.
/// </summary>
internal sealed class ScriptedOrders : IDisposable
{
    private static readonly TimeSpan s_lifetime = TimeSpan.FromDays(90);
    private readonly Lock _gate = new();
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;
    private readonly List<Order> _orders = [];
    private readonly HashSet<string> _answered = new(StringComparer.Ordinal);
    private volatile bool _holdAuthorizations;

    public ScriptedOrders(TimeProvider? clock = null)
    {
        Clock = clock ?? TimeProvider.System;
        var request = new CertificateRequest("CN=Scripted ACME test CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        DateTimeOffset now = Clock.GetUtcNow();
        _ca = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(2)); // spans every leaf, whatever the test clock does
    }

    /// <summary>What issued certificates are dated by.</summary>
    public TimeProvider Clock { get; }

    /// <summary>Leaves without an Authority Key Identifier (RFC 5280 requires one; a CA may still leave it out).</summary>
    public bool OmitAuthorityKeyIdentifier { get; set; }

    /// <summary>While true, every authorization stays pending even once answered (an order waiting at the CA).</summary>
    public bool HoldAuthorizations
    {
        get => _holdAuthorizations;
        set => _holdAuthorizations = value;
    }

    /// <summary>When set, an answered challenge goes invalid with this problem (type URN, detail).</summary>
    public (string Type, string Detail)? ChallengeProblem { get; set; }

    /// <summary>Orders created so far.</summary>
    public int OrdersCreated
    {
        get
        {
            lock (_gate)
            {
                return _orders.Count;
            }
        }
    }

    /// <summary>The names of each order created, in order.</summary>
    public IReadOnlyList<string[]> OrderedNames
    {
        get
        {
            lock (_gate)
            {
                return [.. _orders.Select(o => o.Names)];
            }
        }
    }

    /// <summary>Certificates issued (finalized) so far.</summary>
    public int Issued
    {
        get
        {
            lock (_gate)
            {
                return _orders.Count(o => o.ChainPem is not null);
            }
        }
    }

    /// <summary>The script: pass to <see cref="ScriptedAcmeServer"/>.</summary>
    public ScriptedAcmeResponse? Answer(ScriptedAcmeRequest request)
    {
        string[] path = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        lock (_gate)
        {
            return path switch
            {
                ["new-order"] => NewOrder(request.Payload),
                ["authz", string id] => Authorization(id),
                ["chall", string id] => AnswerChallenge(id),
                ["order", string n] => OrderDocument(Find(n)),
                ["order", string n, "finalize"] => Finalize(Find(n), request.Payload),
                ["cert", string n] when Find(n)?.ChainPem is { } chain => new ScriptedAcmeResponse(200, chain, "application/pem-certificate-chain"),
                _ => null,
            };
        }
    }

    private ScriptedAcmeResponse NewOrder(string payload)
    {
        using JsonDocument request = JsonDocument.Parse(payload);
        string[] names = [.. request.RootElement.GetProperty("identifiers").EnumerateArray().Select(i => i.GetProperty("value").GetString()!)];
        var order = new Order(_orders.Count + 1, names);
        _orders.Add(order);
        ScriptedAcmeResponse response = OrderDocument(order)!;
        return response with { Status = 201, Headers = new(response.Headers) { ["Location"] = $"/order/{order.Number}" } };
    }

    private ScriptedAcmeResponse? Authorization(string id)
    {
        (Order? order, int index) = ParseAuthorization(id);
        if (order is null)
        {
            return null;
        }

        string status = AuthorizationStatus(id);
        string error = status == "invalid"
            ? $$""","error":{"type":"{{ChallengeProblem!.Value.Type}}","detail":"{{ChallengeProblem.Value.Detail}}","status":403}"""
            : "";
        string challengeStatus = status == "pending" && _answered.Contains(id) ? "processing" : status;
        return new ScriptedAcmeResponse(200, $$"""
            {"status":"{{status}}","identifier":{"type":"dns","value":"{{order.Names[index]}}"},
             "challenges":[{"type":"http-01","url":"/chall/{{id}}","status":"{{challengeStatus}}","token":"tok-{{id}}"{{error}}}]}
            """);
    }

    private ScriptedAcmeResponse? AnswerChallenge(string id)
    {
        if (ParseAuthorization(id).Order is null)
        {
            return null;
        }

        _answered.Add(id);
        return new ScriptedAcmeResponse(200, $$"""{"type":"http-01","url":"/chall/{{id}}","status":"processing","token":"tok-{{id}}"}""");
    }

    private string AuthorizationStatus(string id) =>
        !_answered.Contains(id) || HoldAuthorizations ? "pending"
        : ChallengeProblem is not null ? "invalid"
        : "valid";

    private ScriptedAcmeResponse? OrderDocument(Order? order)
    {
        if (order is null)
        {
            return null;
        }

        string status = order.ChainPem is not null ? "valid"
            : Enumerable.Range(0, order.Names.Length).Select(i => AuthorizationStatus($"{order.Number}-{i}")).ToList() switch
            {
                var all when all.All(s => s == "valid") => "ready",
                var all when all.Any(s => s == "invalid") => "invalid",
                _ => "pending",
            };
        string identifiers = string.Join(",", order.Names.Select(n => $$"""{"type":"dns","value":"{{n}}"}"""));
        string authorizations = string.Join(",", Enumerable.Range(0, order.Names.Length).Select(i => $"\"/authz/{order.Number}-{i}\""));
        string certificate = order.ChainPem is not null ? $",\"certificate\":\"/cert/{order.Number}\"" : "";
        return new ScriptedAcmeResponse(200, $$"""
            {"status":"{{status}}","identifiers":[{{identifiers}}],"authorizations":[{{authorizations}}],
             "finalize":"/order/{{order.Number}}/finalize"{{certificate}}}
            """);
    }

    private ScriptedAcmeResponse? Finalize(Order? order, string payload)
    {
        if (order is null)
        {
            return null;
        }

        using JsonDocument request = JsonDocument.Parse(payload);
        byte[] csr = Base64Url.DecodeFromChars(request.RootElement.GetProperty("csr").GetString());
        order.ChainPem = Sign(csr, order.Names);
        return OrderDocument(order);
    }

    /// <summary>A leaf for the CSR's public key, naming the order's identifiers, signed by the throwaway CA.</summary>
    private string Sign(byte[] csr, string[] names)
    {
        CertificateRequest loaded = CertificateRequest.LoadSigningRequest(csr, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        return Sign(loaded.PublicKey, names);
    }

    /// <summary>A certificate and its key for <paramref name="names"/> from this CA, as if issued by an earlier order.</summary>
    public (string ChainPem, string PrivateKeyPem) IssueDirect(params string[] names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        lock (_gate)
        {
            return (Sign(new CertificateRequest("CN=" + names[0], key, HashAlgorithmName.SHA256).PublicKey, names), key.ExportPkcs8PrivateKeyPem() + "\n");
        }
    }

    private string Sign(PublicKey publicKey, string[] names)
    {
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + names[0]), publicKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (string name in names)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        if (!OmitAuthorityKeyIdentifier)
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        }

        DateTimeOffset now = Clock.GetUtcNow();
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using X509Certificate2 leaf = request.Create(_ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), now.AddMinutes(-5), now + s_lifetime, serial);
        return new StringBuilder().AppendLine(leaf.ExportCertificatePem()).AppendLine(_ca.ExportCertificatePem()).ToString();
    }

    private Order? Find(string number) =>
        int.TryParse(number, out int n) && n >= 1 && n <= _orders.Count ? _orders[n - 1] : null;

    private (Order? Order, int Index) ParseAuthorization(string id)
    {
        string[] parts = id.Split('-');
        return parts.Length == 2 && Find(parts[0]) is { } order && int.TryParse(parts[1], out int index) && index >= 0 && index < order.Names.Length
            ? (order, index)
            : (null, 0);
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
    }

    private sealed class Order(int number, string[] names)
    {
        public int Number { get; } = number;

        public string[] Names { get; } = names;

        public string? ChainPem { get; set; }
    }
}
