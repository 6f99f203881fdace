using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Terminator.Admin;
using Terminator.Configuration;
using Terminator.Domains;
using Terminator.Tests.Domains;

namespace Terminator.Tests.Admin;

/// <summary>An admin server on 127.0.0.1:0 over a throwaway registry, with recording callbacks and an HttpClient.</summary>
internal sealed class AdminServerFixture : IAsyncDisposable
{
    private AdminServerFixture(RegistryFolder folder, ManagedDomainRegistry registry, AdminServer server, string? token)
    {
        Folder = folder;
        Registry = registry;
        Server = server;
        Token = token;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{server.EndPoint}/"), Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public RegistryFolder Folder { get; }
    public ManagedDomainRegistry Registry { get; }
    public AdminServer Server { get; }
    public string? Token { get; }
    public HttpClient Client { get; }
    public IPEndPoint EndPoint => Server.EndPoint;
    public List<string> Requested { get; } = [];
    public List<(string Name, bool StillManaged)> Purged { get; } = [];
    public Exception? PurgeFailure { get; set; }

    /// <summary>Starts a server; <paramref name="seed"/> writes domains into the folder first (a snapshot, no fsync per domain).</summary>
    public static AdminServerFixture Start(bool withToken = true, Action<string>? seed = null, Func<AdminServerOptions, AdminServerOptions>? configure = null, bool purge = true)
    {
        var folder = new RegistryFolder();
        seed?.Invoke(folder.Directory);
        ManagedDomainRegistry registry = folder.Open();
        string? token = withToken ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) : null;
        AdminToken? parsed = null;
        if (token is not null)
        {
            Assert.Null(AdminToken.TryParse(token, "TERMINATOR_ADMIN_TOKEN", out parsed));
        }

        var options = new AdminServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), Token = parsed };
        options = configure?.Invoke(options) ?? options;
        AdminServerFixture? fixture = null;
        var callbacks = new AdminCallbacks
        {
            DomainRequested = (name, _) =>
            {
                lock (fixture!.Requested)
                {
                    fixture.Requested.Add(name);
                }

                return ValueTask.CompletedTask;
            },
            PurgeCertificates = purge ? (name, cancellationToken) =>
            {
                lock (fixture!.Purged)
                {
                    fixture.Purged.Add((name, fixture.Registry.TryGet(name, out _)));
                }

                return fixture.PurgeFailure is { } failure ? ValueTask.FromException(failure) : ValueTask.CompletedTask;
            } : null,
        };
        AdminServer server = AdminServer.Start(options, registry, callbacks, folder.Log);
        fixture = new AdminServerFixture(folder, registry, server, token);
        return fixture;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        await Registry.DisposeAsync();
        if (Token is not null)
        {
            Assert.DoesNotContain(Token, Folder.LogText, StringComparison.Ordinal); // never logged, whatever the test did
        }

        Folder.Dispose();
    }
}
