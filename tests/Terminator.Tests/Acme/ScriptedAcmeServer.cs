using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Acme;

/// <summary>One request the scripted server received, with the JWS decoded (protected header members and payload).</summary>
internal sealed record ScriptedAcmeRequest(string Method, string Path, string? Nonce, string? Url, string? Kid, bool HasJwk, string Payload, string Accept);

/// <summary>What the script answers; a fresh Replay-Nonce is added to every response.</summary>
internal sealed record ScriptedAcmeResponse(int Status, string Body = "", string ContentType = "application/json")
{
    public Dictionary<string, string> Headers { get; init; } = [];

    public ScriptedAcmeResponse WithHeader(string name, string value) => this with { Headers = new(Headers) { [name] = value } };

    public static ScriptedAcmeResponse Problem(int status, string type, string detail, string extra = "") =>
        new(status, $$"""{"type":"{{type}}","detail":"{{detail}}","status":{{status}}{{extra}}}""", "application/problem+json");
}

/// <summary>
/// A fake ACME server on <c>http://127.0.0.1:{port}/</c> (HttpListener) for the error paths a real CA will not produce
/// on demand. The script sees each request first and answers it, or returns null to get the defaults: the directory
/// at <c>/dir</c>, nonces at <c>/nonce</c>, and newAccount at <c>/new-account</c> creating <c>/acct/1</c>.
/// Every response carries a new Replay-Nonce <c>n1</c>, <c>n2</c>, ...
/// </summary>
internal sealed class ScriptedAcmeServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<ScriptedAcmeRequest, ScriptedAcmeResponse?> _script;
    private readonly ConcurrentQueue<ScriptedAcmeRequest> _requests = new();
    private readonly Task _loop;
    private readonly bool _noncesOnGet;
    private int _nonce;

    /// <param name="noncesOnGet">False: GET responses carry no Replay-Nonce (a CA need not send one there).</param>
    /// <param name="port">A port to listen on (a CA coming up where a client already looks for it); null: any free one.</param>
    public ScriptedAcmeServer(Func<ScriptedAcmeRequest, ScriptedAcmeResponse?> script, bool renewalInfo = false, bool noncesOnGet = true, int? port = null)
    {
        _script = script;
        _noncesOnGet = noncesOnGet;
        RenewalInfo = renewalInfo;
        for (int attempt = 0; ; attempt++)
        {
            BaseUri = new Uri($"http://127.0.0.1:{port ?? LoopbackPorts.Reserve()}/");
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add(BaseUri.AbsoluteUri);
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 10 && port is null)
            {
                // the port was taken in between: another
            }
        }

        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUri { get; }

    public Uri DirectoryUri => new(BaseUri, "dir");

    public bool RenewalInfo { get; }

    public IReadOnlyList<ScriptedAcmeRequest> Requests => [.. _requests];

    public string Url(string path) => new Uri(BaseUri, path).AbsoluteUri;

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                ScriptedAcmeRequest request = await ReadAsync(context.Request);
                _requests.Enqueue(request);
                ScriptedAcmeResponse response = _script(request) ?? Default(request);
                context.Response.StatusCode = response.Status;
                if (_noncesOnGet || request.Method != "GET")
                {
                    context.Response.Headers["Replay-Nonce"] = "n" + Interlocked.Increment(ref _nonce).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                foreach ((string name, string value) in response.Headers)
                {
                    context.Response.Headers[name] = value;
                }

                byte[] body = Encoding.UTF8.GetBytes(response.Body);
                if (body.Length > 0)
                {
                    context.Response.ContentType = response.ContentType;
                }

                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
            {
                // the client went away
            }
        }
    }

    private ScriptedAcmeResponse Default(ScriptedAcmeRequest request) => request.Path switch
    {
        "/dir" => new ScriptedAcmeResponse(200, DirectoryJson()),
        "/nonce" => new ScriptedAcmeResponse(200),
        "/new-account" => new ScriptedAcmeResponse(201, """{"status":"valid"}""") { Headers = { ["Location"] = Url("acct/1") } },
        _ => ScriptedAcmeResponse.Problem(404, "urn:ietf:params:acme:error:malformed", $"no script for {request.Method} {request.Path}"),
    };

    private string DirectoryJson()
    {
        string renewal = RenewalInfo ? $"\"renewalInfo\":\"{Url("renewal-info")}\"," : "";
        return $"{{\"newNonce\":\"{Url("nonce")}\",\"newAccount\":\"{Url("new-account")}\",\"newOrder\":\"{Url("new-order")}\"," +
            $"\"revokeCert\":\"{Url("revoke")}\",{renewal}" +
            "\"meta\":{\"termsOfService\":\"https://ca.test/tos\",\"caaIdentities\":[\"ca.test\"]}}";
    }

    private static async Task<ScriptedAcmeRequest> ReadAsync(HttpListenerRequest request)
    {
        using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
        string body = await reader.ReadToEndAsync();
        string? nonce = null, url = null, kid = null, payload = "";
        bool hasJwk = false;
        if (request.HttpMethod == "POST" && body.Length > 0)
        {
            using JsonDocument jws = JsonDocument.Parse(body);
            using JsonDocument header = JsonDocument.Parse(Base64Url.DecodeFromChars(jws.RootElement.GetProperty("protected").GetString()));
            nonce = header.RootElement.TryGetProperty("nonce", out JsonElement n) ? n.GetString() : null;
            url = header.RootElement.TryGetProperty("url", out JsonElement u) ? u.GetString() : null;
            kid = header.RootElement.TryGetProperty("kid", out JsonElement k) ? k.GetString() : null;
            hasJwk = header.RootElement.TryGetProperty("jwk", out _);
            payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(jws.RootElement.GetProperty("payload").GetString()));
        }

        return new ScriptedAcmeRequest(request.HttpMethod, request.Url!.AbsolutePath, nonce, url, kid, hasJwk, payload, request.Headers["Accept"] ?? "");
    }

    public async ValueTask DisposeAsync()
    {
        // Close alone, not Stop then Close: the managed HttpListener's Close looks its endpoint up again, and after Stop
        // that means binding the port anew, which fails with "Address already in use" while closed connections to it
        // sit in TIME_WAIT.
        _listener.Close();
        await _loop;
    }
}
