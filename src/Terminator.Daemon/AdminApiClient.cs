using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Terminator.Admin;
using Terminator.Configuration;

namespace Terminator.Daemon;

/// <summary>
/// The admin API over HTTP, as <c>terminator domains</c> uses it: one call per method, the token in every request, the
/// API's JSON read with its own source-generated context. Network failures surface as <see cref="HttpRequestException"/>.
/// </summary>
internal sealed class AdminApiClient : IDisposable
{
    private readonly HttpClient _http;

    public AdminApiClient(IPEndPoint endPoint, AdminToken token, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(token);
        BaseAddress = new Uri($"http://{ReachableFrom(endPoint)}/", UriKind.Absolute);
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = timeout }) { BaseAddress = BaseAddress, Timeout = timeout };
        _http.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(token.ToAuthorizationValue());
    }

    /// <summary>Where the API is reached, for messages.</summary>
    public Uri BaseAddress { get; }

    /// <summary><c>PUT /v1/domains/{name}</c>, with <c>{"keyType":...}</c> when <paramref name="keyType"/> is given.</summary>
    public Task<AdminApiResponse<DomainResource>> PutAsync(string name, string? keyType, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, DomainPath(name));
        if (keyType is not null)
        {
            string json = JsonSerializer.Serialize(new PutDomainBody(keyType), AdminJsonContext.Default.PutDomainBody);
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return SendAsync(request, AdminJsonContext.Default.DomainResource, cancellationToken);
    }

    /// <summary><c>GET /v1/domains/{name}</c>.</summary>
    public Task<AdminApiResponse<DomainResource>> GetAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, DomainPath(name)), AdminJsonContext.Default.DomainResource, cancellationToken);

    /// <summary><c>DELETE /v1/domains/{name}[?purge=true]</c>.</summary>
    public Task<AdminApiResponse<DomainRemovedResource>> DeleteAsync(string name, bool purge, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Delete, DomainPath(name) + (purge ? "?purge=true" : string.Empty)),
            AdminJsonContext.Default.DomainRemovedResource, cancellationToken);

    /// <summary><c>GET /v1/domains?state=&amp;cursor=&amp;limit=</c>: one page.</summary>
    public Task<AdminApiResponse<DomainListResource>> ListAsync(string? state, string? cursor, int limit, CancellationToken cancellationToken)
    {
        var query = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"v1/domains?limit={limit}"));
        if (state is not null)
        {
            query.Append("&state=").Append(Uri.EscapeDataString(state));
        }

        if (cursor is not null)
        {
            query.Append("&cursor=").Append(Uri.EscapeDataString(cursor));
        }

        return SendAsync(new HttpRequestMessage(HttpMethod.Get, query.ToString()), AdminJsonContext.Default.DomainListResource, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>A wildcard listen address is reached over loopback of the same family.</summary>
    private static IPEndPoint ReachableFrom(IPEndPoint endPoint) =>
        endPoint.Address.Equals(IPAddress.Any) ? new IPEndPoint(IPAddress.Loopback, endPoint.Port)
        : endPoint.Address.Equals(IPAddress.IPv6Any) ? new IPEndPoint(IPAddress.IPv6Loopback, endPoint.Port)
        : endPoint;

    private static string DomainPath(string name) => "v1/domains/" + Uri.EscapeDataString(name);

    private async Task<AdminApiResponse<T>> SendAsync<T>(HttpRequestMessage request, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        using (request)
        {
            using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            try
            {
                if (response.IsSuccessStatusCode)
                {
                    return new(status, JsonSerializer.Deserialize(body, type), null);
                }

                ErrorResource? error = body.Length == 0 ? null : JsonSerializer.Deserialize(body, AdminJsonContext.Default.ErrorResource);
                return new(status, null, error?.Error ?? $"HTTP {status} {response.ReasonPhrase}");
            }
            catch (JsonException)
            {
                // Something else answers on that port (or a proxy in between): say so rather than print its page.
                return new(status, null, $"HTTP {status} with a body that is not the admin API's JSON; is {BaseAddress} Terminator's admin address?");
            }
        }
    }
}
