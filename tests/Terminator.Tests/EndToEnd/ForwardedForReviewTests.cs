using System.Net;
using System.Net.Sockets;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Hosting;
using Terminator.Http;
using Terminator.Listener;
using Terminator.Proxy;
using Terminator.Tests.TestHelpers;
using Terminator.Upstream;

namespace Terminator.Tests.EndToEnd;

/// <summary>Review pass on X-Forwarded-For for IPv6 clients and IPv4 clients arriving on a dual-stack socket.</summary>
[Collection(EndToEndTests.Name)]
public sealed class ForwardedForReviewTests
{
    [Theory]
    [InlineData(ForwardedHeadersPolicy.Replace, "::1")]
    [InlineData(ForwardedHeadersPolicy.Append, "203.0.113.9, ::1")]
    public async Task Ipv6Client_WrittenAsBareIpv6Address(object policy, string expected)
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new(),
            o => o with { HttpListen = [new IPEndPoint(IPAddress.IPv6Loopback, 0)], ForwardedHeaders = (ForwardedHeadersPolicy)policy });
        Assert.Equal(AddressFamily.InterNetworkV6, terminator.Http.AddressFamily);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /q/1 HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);

        RecordedRequest forwarded = Assert.Single(upstream.Requests);
        Assert.Equal([expected], forwarded.Values("X-Forwarded-For"));
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Limiter.Total == 1));
    }

    [Fact]
    public async Task Ipv4ClientOnDualStackSocket_AppendedAsIpv4()
    {
        await using var upstream = new RecordingUpstream();
        using var drain = new ConnectionDrain();
        await using var pool = new UpstreamPool(new UpstreamPoolOptions { Host = "127.0.0.1", Port = upstream.EndPoint.Port });
        var context = new ProxyContext
        {
            Upstream = pool,
            Limits = new HttpLimits(),
            Metrics = new TerminatorMetrics(),
            Log = TerminatorLog.Silent,
        };
        using var listener = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        listener.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        listener.Listen();
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndPoint!).Port));
        Socket accepted = await listener.AcceptAsync();
        Assert.True(((IPEndPoint)accepted.RemoteEndPoint!).Address.IsIPv4MappedToIPv6);
        var network = new NetworkStream(accepted, ownsSocket: true);
        var connection = new ConnectionContext(network, (IPEndPoint)accepted.RemoteEndPoint!, (IPEndPoint)accepted.LocalEndPoint!, drain);
        Task run = new Http1ProxyStep(context).OnConnectionAsync(connection);

        await client.SendAsync("GET /q/1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        await network.DisposeAsync();

        RecordedRequest forwarded = Assert.Single(upstream.Requests);
        Assert.Equal(["127.0.0.1"], forwarded.Values("X-Forwarded-For"));
    }
}
