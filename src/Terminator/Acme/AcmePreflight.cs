using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Terminator.Acme;

/// <summary>
/// Checks, before an order costs the CA a validation, that a domain already reaches this service: resolve the name and
/// fetch <c>http://{name}/.well-known/acme-challenge/{probe}</c> for a random probe this node answers itself (through
/// its <see cref="AcmeChallengeTable"/>). Let's Encrypt allows only a few failed validations per name per hour, and a
/// customer who has not set the CNAME yet is the common case: that customer costs nothing but this request, and gets a
/// state that says why ("waiting for DNS: ... resolves to 203.0.113.9, not to this service").
/// </summary>
internal sealed class AcmePreflight : IDisposable
{
    private static readonly HttpRequestOptionsKey<IPAddress[]> s_addresses = new("terminator.preflight.addresses");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly AcmeChallengeTable _challenges;
    private readonly IAcmeChallengeResponder? _shared;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly int _port;
    private readonly HttpClient _http;

    /// <param name="resolve">Name resolution (the system resolver by default; tests substitute one).</param>
    /// <param name="port">Where the CA will connect for HTTP-01: 80 in production (RFC 8555 §8.3).</param>
    /// <param name="shared">In a fleet, where the probe is published so that whichever node it reaches answers it;
    /// null to answer it from <paramref name="challenges"/> alone.</param>
    public AcmePreflight(AcmeChallengeTable challenges, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null, int port = 80,
        IAcmeChallengeResponder? shared = null)
    {
        _challenges = challenges;
        _shared = shared;
        _resolve = resolve ?? ((name, ct) => Dns.GetHostAddressesAsync(name, ct));
        _port = port;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectTimeout = Timeout,
            // Connect to the addresses this check resolved (and reports), not to whatever a second lookup returns.
            ConnectCallback = static async (context, cancellationToken) =>
            {
                IPAddress[] addresses = context.InitialRequestMessage.Options.TryGetValue(s_addresses, out IPAddress[]? resolved) ? resolved : [];
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { Timeout = Timeout };
    }

    /// <summary>Null when <paramref name="domain"/> reaches this service; otherwise why not, in one line.</summary>
    public async Task<string?> CheckAsync(string domain, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = await _resolve(domain, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            return $"waiting for DNS: {domain} does not resolve ({ex.SocketErrorCode})";
        }

        if (addresses.Length == 0)
        {
            return $"waiting for DNS: {domain} does not resolve";
        }

        string token = Base64Url(RandomNumberGenerator.GetBytes(24));
        string expected = Base64Url(RandomNumberGenerator.GetBytes(24));
        var probeUri = new Uri($"http://{domain}:{_port}/.well-known/acme-challenge/{token}");
        using var probe = new AcmeChallengeResponse(AcmeChallengeTypes.Http01, domain, token, expected, probeUri, probeUri);
        if (_shared is not null)
        {
            await _shared.PresentAsync(probe, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _challenges.AddHttp01(token, expected);
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, probeUri);
            request.Options.Set(s_addresses, addresses);
            using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            string body = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false) : string.Empty;
            return body == expected
                ? null
                : $"waiting for DNS: {domain} resolves to {Describe(addresses)}, not to this service (the probe got HTTP {(int)response.StatusCode})";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return $"waiting for DNS: {domain} resolves to {Describe(addresses)}, which does not answer on port {_port} ({ex.Message})";
        }
        finally
        {
            if (_shared is not null)
            {
                using var cleanup = new CancellationTokenSource(Timeout);
                await _shared.CleanupAsync(probe, cleanup.Token).ConfigureAwait(false);
            }
            else
            {
                _challenges.RemoveHttp01(token);
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private static string Describe(IPAddress[] addresses) =>
        addresses.Length <= 3 ? string.Join(", ", (object[])addresses) : $"{addresses[0]}, {addresses[1]}, {addresses[2]} and {addresses.Length - 3} more";

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
