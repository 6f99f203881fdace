using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// Review pass: every way a connection can end must give back its drain count, its limiter slot (total and per IP) and
/// its upstream connection, within a bounded time.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class LeakReviewTests(CertificateAuthorityFixture ca)
{
    private const string Site = "site0200.tracking.test";

    [Fact]
    public async Task ManyConnections_EndingEveryWay_LimiterDrainAndPoolReturnToZero()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);

        var work = new List<Task>();
        for (int i = 0; i < 40; i++)
        {
            int kind = i % 5;
            work.Add(Task.Run(async () =>
            {
                if (kind == 4)
                {
                    await using RawHttpClient tls = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);
                    await tls.SendAsync($"GET /q/{kind} HTTP/1.1\r\nHost: {Site}\r\n\r\n");
                    Assert.Equal(200, (await tls.ReadResponseAsync())!.Status);
                    return;
                }

                await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);
                switch (kind)
                {
                    case 0: // a full request, then the client hangs up
                        await client.SendAsync("GET /q/1 HTTP/1.1\r\nHost: a\r\n\r\n");
                        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
                        break;
                    case 1: // half a head
                        await client.SendAsync("GET /q/1 HTTP/1.1\r\nHo");
                        break;
                    case 2: // half a body
                        await client.SendAsync("POST /q/1 HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc");
                        break;
                    default: // a smuggling attempt (400)
                        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
                        Assert.Equal(400, (await client.ReadResponseAsync())!.Status);
                        break;
                }
            }));
        }

        await Task.WhenAll(work);

        Assert.True(await Eventually.TrueAsync(() => terminator.Server.ActiveConnections == 0), $"drain count {terminator.Server.ActiveConnections}");
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Limiter.Total == 0), $"limiter total {terminator.Server.Limiter.Total}");
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Limiter.TrackedAddresses == 0), $"tracked addresses {terminator.Server.Limiter.TrackedAddresses}");
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Upstream.ActiveCount == 0), $"rented upstream {terminator.Server.Upstream.ActiveCount}");
    }

    [Fact]
    public async Task ClientGoneWhileUpstreamThinks_UpstreamConnectionRetiredAtUpstreamTimeout()
    {
        await using var upstream = new RecordingUpstream(UpstreamBehavior.Stall);
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => o with { UpstreamTimeout = TimeSpan.FromMilliseconds(400) });
        await using (RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http))
        {
            await client.SendAsync("GET /q/1 HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.True(await Eventually.TrueAsync(() => !upstream.Requests.IsEmpty));
        }

        Assert.True(await Eventually.TrueAsync(() => terminator.Server.ActiveConnections == 0 && terminator.Server.Upstream.ActiveCount == 0));
        Assert.Equal(0, terminator.Server.Upstream.IdleCount);
    }

    [Fact]
    public async Task ClientGoneMidResponseBody_UpstreamConnectionRetiredNotPooled()
    {
        var bodyStarted = new TaskCompletionSource();
        await using var upstream = new ScriptedUpstream(async c =>
        {
            await c.ReadRequestAsync();
            await c.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nfirst-part");
            bodyStarted.TrySetResult();
            for (int i = 0; i < 100; i++)   // the body keeps trickling; relaying it to the gone client fails
            {
                await Task.Delay(30, c.Stopping);
                await c.SendAsync("0123456789");
            }
        });
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using (RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root))
        {
            await client.SendAsync($"GET /q/1 HTTP/1.1\r\nHost: {Site}\r\n\r\n");
            await bodyStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        // The half-relayed upstream connection is out of sync: it must be closed, never parked for the next request.
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Upstream.ActiveCount == 0 && terminator.Server.ActiveConnections == 0));
        Assert.Equal(0, terminator.Server.Upstream.IdleCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClientNeverReadsLargeResponse_ConnectionReleasedAfterSendTimeout(bool tls)
    {
        await using var upstream = new ScriptedUpstream(async c =>
        {
            await c.ReadRequestAsync();
            await c.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 67108864\r\n\r\n");
            var block = new byte[64 * 1024];
            for (int sent = 0; sent < 64 << 20; sent += block.Length)
            {
                await c.SendAsync(block);
            }
        });
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => o with { UpstreamTimeout = TimeSpan.FromMilliseconds(300) });

        // A small receive window so the terminator's send side fills up quickly; the client then never reads.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(tls ? terminator.Https : terminator.Http);
        await using Stream stream = tls ? await AuthenticateAsync(new NetworkStream(socket)) : new NetworkStream(socket);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /big HTTP/1.1\r\nHost: {Site}\r\n\r\n"));

        // The relay must give up once a flush has been stuck for the send timeout, not block the connection task forever.
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.ActiveConnections == 0, TimeSpan.FromSeconds(10)), "connection task still running");
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Upstream.ActiveCount == 0));
        // SocketListener releases the limiter slot after HandleAsync returns, i.e. just after ActiveConnections drops.
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Limiter.Total == 0));
    }

    [Fact]
    public async Task ManyIdleKeepAliveConnections_AllClosedByIdleTimeout()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => o with { IdleTimeout = TimeSpan.FromMilliseconds(300) });
        var clients = new List<RawHttpClient>();
        try
        {
            for (int i = 0; i < 30; i++)
            {
                RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);
                clients.Add(client);
                await client.SendAsync("GET /q/1 HTTP/1.1\r\nHost: a\r\n\r\n");
                Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
            }

            bool[] closed = await Task.WhenAll(clients.Select(c => c.WaitForCloseAsync(TimeSpan.FromSeconds(10))));
            Assert.All(closed, Assert.True);
            Assert.True(await Eventually.TrueAsync(() => terminator.Server.ActiveConnections == 0 && terminator.Server.Limiter.TrackedAddresses == 0));
        }
        finally
        {
            foreach (RawHttpClient client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static async Task<Stream> AuthenticateAsync(NetworkStream network)
    {
        var tls = new SslStream(network, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = Site,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        return tls;
    }
}
