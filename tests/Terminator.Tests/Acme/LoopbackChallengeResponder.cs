using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Terminator.Acme;

namespace Terminator.Tests.Acme;

/// <summary>
/// A test <see cref="IAcmeChallengeResponder"/> that really answers a CA's validation on loopback: a minimal HTTP/1.1
/// server for HTTP-01 (<c>GET /.well-known/acme-challenge/{token}</c> with the Host naming the domain gets the key
/// authorization, anything else 404) and an SslStream server for TLS-ALPN-01 (the SNI picks the presented challenge's
/// certificate and its <c>acme-tls/1</c>-only options). Records what it presented, cleaned up and served.
/// </summary>
internal sealed class LoopbackChallengeResponder : IAcmeChallengeResponder, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, AcmeChallengeResponse> _live = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _log = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TcpListener _http = new(IPAddress.Loopback, 0);
    private readonly TcpListener _tls = new(IPAddress.Loopback, 0);
    private Task _httpLoop = Task.CompletedTask;
    private Task _tlsLoop = Task.CompletedTask;

    public int HttpPort => ((IPEndPoint)_http.LocalEndpoint).Port;

    public int TlsPort => ((IPEndPoint)_tls.LocalEndpoint).Port;

    /// <summary>Lines like <c>present http-01 a.test</c>, <c>served http-01 a.test 200</c>, <c>cleanup http-01 a.test</c>.</summary>
    public IReadOnlyList<string> Log => [.. _log];

    public IReadOnlyCollection<AcmeChallengeResponse> Live => [.. _live.Values];

    public void Start()
    {
        _http.Start();
        _tls.Start();
        _httpLoop = AcceptLoopAsync(_http, ServeHttpAsync);
        _tlsLoop = AcceptLoopAsync(_tls, ServeTlsAsync);
    }

    public ValueTask PresentAsync(AcmeChallengeResponse challenge, CancellationToken cancellationToken)
    {
        _live[Key(challenge.Type, challenge.Domain)] = challenge;
        _log.Enqueue($"present {challenge.Type} {challenge.Domain}");
        return ValueTask.CompletedTask;
    }

    public ValueTask CleanupAsync(AcmeChallengeResponse challenge, CancellationToken cancellationToken)
    {
        _live.TryRemove(Key(challenge.Type, challenge.Domain), out _);
        _log.Enqueue($"cleanup {challenge.Type} {challenge.Domain}");
        return ValueTask.CompletedTask;
    }

    private static string Key(string type, string domain) => type + " " + domain;

    private async Task AcceptLoopAsync(TcpListener listener, Func<TcpClient, CancellationToken, Task> serve)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (client)
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
                {
                    timeout.CancelAfter(TimeSpan.FromSeconds(10));
                    try
                    {
                        await serve(client, timeout.Token);
                    }
                    catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or System.Security.Authentication.AuthenticationException)
                    {
                        _log.Enqueue($"connection failed: {ex.Message}");
                    }
                }
            });
        }
    }

    private async Task ServeHttpAsync(TcpClient client, CancellationToken cancellationToken)
    {
        NetworkStream stream = client.GetStream();
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && head.Length < 16384)
        {
            int read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        string[] lines = head.ToString().Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        string path = requestLine.Length > 1 ? requestLine[1] : "";
        string host = lines.Skip(1).FirstOrDefault(l => l.StartsWith("Host:", StringComparison.OrdinalIgnoreCase))?[5..].Trim() ?? "";
        int colon = host.LastIndexOf(':');
        if (colon > 0)
        {
            host = host[..colon];
        }

        string body = "not found";
        int status = 404;
        if (_live.TryGetValue(Key(AcmeChallengeTypes.Http01, host.ToLowerInvariant()), out AcmeChallengeResponse? challenge) && path == challenge.HttpPath)
        {
            body = challenge.KeyAuthorization;
            status = 200;
        }

        _log.Enqueue($"served http-01 {host} {status}");
        byte[] response = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Not Found")}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
        await stream.WriteAsync(response, cancellationToken);
    }

    private async Task ServeTlsAsync(TcpClient client, CancellationToken cancellationToken)
    {
        await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        string? served = null;
        await tls.AuthenticateAsServerAsync((_, hello, _, _) =>
        {
            string name = hello.ServerName.ToLowerInvariant();
            if (!_live.TryGetValue(Key(AcmeChallengeTypes.TlsAlpn01, name), out AcmeChallengeResponse? challenge))
            {
                throw new AuthenticationExceptionForUnknownName(name);
            }

            served = name;
            return ValueTask.FromResult(challenge.TlsAlpnCertificate!.ServerOptions);
        }, null, cancellationToken);
        _log.Enqueue($"served tls-alpn-01 {served} {tls.NegotiatedApplicationProtocol}");
        await tls.ShutdownAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _http.Stop();
        _tls.Stop();
        await Task.WhenAll(_httpLoop, _tlsLoop);
        _stop.Dispose();
    }

    private sealed class AuthenticationExceptionForUnknownName(string name)
        : System.Security.Authentication.AuthenticationException($"no tls-alpn-01 challenge presented for '{name}'");
}
