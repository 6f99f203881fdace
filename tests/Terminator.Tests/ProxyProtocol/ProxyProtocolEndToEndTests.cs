using System.Diagnostics;
using System.Net;
using Terminator.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.ProxyProtocol;

/// <summary>
/// The PROXY protocol step in the real pipeline over loopback sockets: a TestTerminator with the step on both ports, a
/// client playing the balancer (header, then TLS or HTTP), and a RecordingUpstream that shows which address each
/// request was credited with — or that nothing reached it at all.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class ProxyProtocolEndToEndTests(CertificateAuthorityFixture ca)
{
    private static readonly string s_site = CertificateAuthorityFixture.SiteName(7);
    private static readonly byte[] s_v1 = ProxyHeaderSamples.V1("PROXY TCP4 203.0.113.7 192.0.2.10 51234 443\r\n");
    private static readonly byte[] s_v2 = ProxyHeaderSamples.V2(ProxyHeaderSamples.Proxy, ProxyHeaderSamples.Tcp6,
        ProxyHeaderSamples.Inet("2001:db8::7", 51234, "2001:db8::a", 443), ProxyHeaderSamples.Tlv(0x02, s_site), ProxyHeaderSamples.SslTlv());

    private static Func<TerminatorOptions, TerminatorOptions> Proxied(ProxyProtocolMode mode, string trusted = "127.0.0.0/8") =>
        o => o with
        {
            ProxyProtocol = new ProxyProtocolOptions { Mode = mode, TrustedNetworks = [IPNetwork.Parse(trusted)] },
            HandshakeTimeout = TimeSpan.FromSeconds(5),
        };

    private Task<RawHttpClient> ConnectAsync(TestTerminator terminator, bool tls, byte[] preamble, IPAddress? from = null) =>
        tls
            ? RawHttpClient.ConnectWithPreambleAsync(terminator.Https, preamble, from, s_site, ca.Root)
            : RawHttpClient.ConnectWithPreambleAsync(terminator.Http, preamble, from);

    private static string Request(string path) => $"GET {path} HTTP/1.1\r\nHost: {s_site}\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n";

    [Theory]
    [InlineData("v1", true, "203.0.113.7")]
    [InlineData("v1", false, "203.0.113.7")]
    [InlineData("v2", true, "2001:db8::7")]
    [InlineData("v2", false, "2001:db8::7")]
    public async Task TrustedHeader_ClientAddressReachesXForwardedFor(string version, bool tls, string expected)
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Proxied(ProxyProtocolMode.Any));

        await using (RawHttpClient client = await ConnectAsync(terminator, tls, version == "v1" ? s_v1 : s_v2))
        {
            // Two requests: the address belongs to the connection, not to its first request.
            await client.SendAsync(Request("/q/1"));
            Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
            await client.SendAsync(Request("/q/2"));
            Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        }

        Assert.Equal(2, upstream.Requests.Count);
        Assert.All(upstream.Requests, r => Assert.Equal([expected], r.Values("X-Forwarded-For")));
        Assert.Equal(1, terminator.Server.Metrics.ProxyHeadersAccepted);
        Assert.Equal(0, terminator.Server.Metrics.ProxyProtocolRefusals);
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Limiter.Total == 0 && terminator.Server.Limiter.TrackedAddresses == 0));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TrustedHeader_AndRequestInOneWrite_RequestReplayedAfterTheHeader(bool v2)
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Proxied(v2 ? ProxyProtocolMode.V2 : ProxyProtocolMode.V1));
        byte[] header = v2 ? s_v2 : s_v1;

        await using RawHttpClient client = await ConnectAsync(terminator, tls: false, [.. header, .. "GET /f/abc HTTP/1.1\r\nHost: a\r\n\r\n"u8]);
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);

        RecordedRequest forwarded = Assert.Single(upstream.Requests);
        Assert.Equal("GET /f/abc HTTP/1.1", forwarded.RequestLine);
        Assert.Equal([v2 ? "2001:db8::7" : "203.0.113.7"], forwarded.Values("X-Forwarded-For"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LocalOrUnknown_KeepsTheSocketAddress(bool tls)
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Proxied(ProxyProtocolMode.Any));

        foreach (byte[] header in new[] { ProxyHeaderSamples.V2(ProxyHeaderSamples.Local, ProxyHeaderSamples.Unspec, []), ProxyHeaderSamples.V1("PROXY UNKNOWN\r\n") })
        {
            await using RawHttpClient client = await ConnectAsync(terminator, tls, header);
            await client.SendAsync(Request("/healthz"));
            Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        }

        Assert.Equal(2, upstream.Requests.Count);
        Assert.All(upstream.Requests, r => Assert.Equal(["127.0.0.1"], r.Values("X-Forwarded-For")));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public async Task ForgedHeader_FromUntrustedAddress_RefusedAndNothingForwarded(bool tls, bool v2)
    {
        await using var upstream = new RecordingUpstream();
        var log = new LogLines();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Proxied(ProxyProtocolMode.Any, trusted: "192.0.2.0/24"), log: log.Log);
        byte[] forged = v2 ? s_v2 : s_v1;

        await using RawHttpClient client = await RawHttpClient.ConnectWithPreambleAsync(tls ? terminator.Https : terminator.Http,
            [.. forged, .. System.Text.Encoding.ASCII.GetBytes(Request("/f/forged"))]);

        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(10)), "the forged connection was not closed");
        Assert.Empty(upstream.Requests);
        Assert.Equal(1, terminator.Server.Metrics.ProxyProtocolRefusals);
        Assert.Equal(0, terminator.Server.Metrics.ProxyHeadersAccepted);
        Assert.Contains(log.Entries, e => e is { Level: "debug", Area: "proxyprotocol" }
            && e.Message.StartsWith("closed connection from 127.0.0.1:", StringComparison.Ordinal)
            && e.Message.EndsWith("outside TERMINATOR_PROXY_TRUSTED (forged)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Untrusted_WithoutHeader_ServedAsADirectClient(bool tls)
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Proxied(ProxyProtocolMode.Any, trusted: "192.0.2.0/24"));

        await using (RawHttpClient client = await ConnectAsync(terminator, tls, []))
        {
            await client.SendAsync(Request("/q/direct"));
            Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        }

        Assert.Equal(["127.0.0.1"], Assert.Single(upstream.Requests).Values("X-Forwarded-For"));
        Assert.Equal(0, terminator.Server.Metrics.ProxyProtocolRefusals);
    }

    [Fact]
    public async Task TrustAndForgery_DecidedPerPeer()
    {
        // 127.0.0.2 is the balancer; 127.0.0.1 is a client that reached the port directly.
        var balancer = IPAddress.Parse("127.0.0.2");
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Proxied(ProxyProtocolMode.V1, trusted: "127.0.0.2/32"));

        await using (RawHttpClient relayed = await ConnectAsync(terminator, tls: true, s_v1, balancer))
        {
            await relayed.SendAsync(Request("/q/relayed"));
            Assert.Equal(200, (await relayed.ReadResponseAsync())!.Status);
        }

        await using (RawHttpClient direct = await ConnectAsync(terminator, tls: true, [], IPAddress.Loopback))
        {
            await direct.SendAsync(Request("/q/direct"));
            Assert.Equal(200, (await direct.ReadResponseAsync())!.Status);
        }

        await using (RawHttpClient bare = await ConnectAsync(terminator, tls: false, [], balancer))
        {
            await bare.SendAsync(Request("/q/bare"));
            Assert.Null(await bare.ReadResponseAsync()); // the balancer must always send a header
        }

        Assert.Equal(["203.0.113.7", "127.0.0.1"], upstream.Requests.Select(r => Assert.Single(r.Values("X-Forwarded-For"))));
        Assert.Equal(1, terminator.Server.Metrics.ProxyProtocolRefusals);
    }

    public static TheoryData<string, bool> Malformed() => new()
    {
        { "v1 octet 256", true }, { "v1 octet 256", false },
        { "v1 bare LF", false },
        { "v1 port 65536", true },
        { "v1 garbage after", false },
        { "v2 version 1", true }, { "v2 version 1", false },
        { "v2 tlv runs past the end", true },
        { "v2 crc32c wrong", false },
        { "v2 length over 1 KiB", true }, { "v2 length over 1 KiB", false },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task MalformedHeader_FromTrustedAddress_RefusedAndNothingForwarded(string sample, bool tls)
    {
        await using var upstream = new RecordingUpstream();
        var log = new LogLines();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Proxied(ProxyProtocolMode.Any), log: log.Log);
        byte[] header = ProxyHeaderSamples.Invalid().Single(c => c.Name == sample).Bytes;

        await using RawHttpClient client = await RawHttpClient.ConnectWithPreambleAsync(tls ? terminator.Https : terminator.Http,
            [.. header, .. System.Text.Encoding.ASCII.GetBytes(Request("/f/malformed"))]);

        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(10)), "the malformed header's connection was not closed");
        Assert.Empty(upstream.Requests);
        Assert.Equal(1, terminator.Server.Metrics.ProxyProtocolRefusals);
        Assert.Contains(log.Lines, l => l.Contains("invalid PROXY protocol header (", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ProxyProtocolMode.V2, "v1 tcp4")]
    [InlineData(ProxyProtocolMode.V1, "v2 tcp4")]
    public async Task OtherVersionThanConfigured_Refused(object mode, string sample)
    {
        await using var upstream = new RecordingUpstream();
        var log = new LogLines();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Proxied((ProxyProtocolMode)mode), log: log.Log);
        byte[] header = ProxyHeaderSamples.Valid().Single(c => c.Name == sample).Bytes;

        await using RawHttpClient client = await RawHttpClient.ConnectWithPreambleAsync(terminator.Http, [.. header, .. System.Text.Encoding.ASCII.GetBytes(Request("/q/1"))]);

        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(upstream.Requests);
        Assert.Equal(1, terminator.Server.Metrics.ProxyProtocolRefusals);
        Assert.Contains(log.Lines, l => l.EndsWith("a PROXY protocol header of a version TERMINATOR_PROXY_PROTOCOL does not accept", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TrustedWithoutHeader_Refused(bool tls)
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Proxied(ProxyProtocolMode.Any));

        if (tls)
        {
            // The ClientHello is not a header: the handshake never gets an answer.
            await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(terminator, tls: true, []));
        }
        else
        {
            await using RawHttpClient client = await ConnectAsync(terminator, tls: false, []);
            await client.SendAsync(Request("/q/1"));
            Assert.Null(await client.ReadResponseAsync());
        }

        Assert.Empty(upstream.Requests);
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Metrics.ProxyProtocolRefusals == 1));
    }

    [Fact]
    public async Task HeaderThatNeverCompletes_ClosedAfterTheHandshakeTimeout()
    {
        TimeSpan timeout = TimeSpan.FromMilliseconds(600);
        await using var upstream = new RecordingUpstream();
        var log = new LogLines();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => Proxied(ProxyProtocolMode.Any)(o) with { HandshakeTimeout = timeout }, log: log.Log);

        var clock = Stopwatch.StartNew();
        await using RawHttpClient v1 = await RawHttpClient.ConnectWithPreambleAsync(terminator.Https, s_v1[..20]);
        await using RawHttpClient v2 = await RawHttpClient.ConnectWithPreambleAsync(terminator.Http, s_v2[..30]);

        Assert.True(await v1.WaitForCloseAsync(TimeSpan.FromSeconds(10)), "a partial v1 header was kept open");
        Assert.True(await v2.WaitForCloseAsync(TimeSpan.FromSeconds(10)), "a partial v2 header was kept open");
        Assert.True(clock.Elapsed >= timeout * 0.9, $"closed after {clock.Elapsed.TotalMilliseconds:F0} ms, before the {timeout.TotalMilliseconds} ms timeout");
        Assert.Equal(2, terminator.Server.Metrics.ProxyProtocolRefusals);
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Limiter.Total == 0));
        Assert.Equal(2, log.Lines.Count(l => l.Contains(": no complete PROXY protocol header within the timeout (", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TrustedPeerThatConnectsAndCloses_NeitherRefusalNorError()
    {
        // HAProxy's plain "check" opens a TCP connection and closes it without a byte.
        await using var upstream = new RecordingUpstream();
        var log = new LogLines();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, Proxied(ProxyProtocolMode.Any), log: log.Log);

        for (int i = 0; i < 3; i++)
        {
            await using RawHttpClient check = await RawHttpClient.ConnectWithPreambleAsync(terminator.Https, []);
        }

        Assert.True(await Eventually.TrueAsync(() => terminator.Server.ActiveConnections == 0 && terminator.Server.Metrics.ConnectionsAccepted == 3));
        Assert.Equal(0, terminator.Server.Metrics.ProxyProtocolRefusals);
        Assert.DoesNotContain(log.Entries, e => e.Level == "error");
    }

    [Fact]
    public async Task PerClientLimit_AppliesToTheCarriedAddress_NotToTheBalancer()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => Proxied(ProxyProtocolMode.V1)(o) with { MaxConnectionsPerIp = 2 });
        byte[] first = ProxyHeaderSamples.V1("PROXY TCP4 203.0.113.7 192.0.2.10 40001 80\r\n");
        byte[] second = ProxyHeaderSamples.V1("PROXY TCP4 203.0.113.7 192.0.2.10 40002 80\r\n");
        byte[] third = ProxyHeaderSamples.V1("PROXY TCP4 203.0.113.7 192.0.2.10 40003 80\r\n");
        byte[] other = ProxyHeaderSamples.V1("PROXY TCP4 198.51.100.9 192.0.2.10 40004 80\r\n");

        // All four come from the balancer's one address, twice its per-client limit.
        await using RawHttpClient a = await ConnectAsync(terminator, tls: false, first);
        await using RawHttpClient b = await ConnectAsync(terminator, tls: true, second);
        foreach (RawHttpClient open in new[] { a, b })
        {
            await open.SendAsync(Request("/q/open"));
            Assert.Equal(200, (await open.ReadResponseAsync())!.Status);
        }

        await using (RawHttpClient c = await ConnectAsync(terminator, tls: false, third))
        {
            await c.SendAsync(Request("/q/third"));
            Assert.Null(await c.ReadResponseAsync());
        }

        Assert.Equal(1, terminator.Server.Metrics.ConnectionsRejectedByLimit);
        await using (RawHttpClient d = await ConnectAsync(terminator, tls: true, other))
        {
            await d.SendAsync(Request("/q/other"));
            Assert.Equal(200, (await d.ReadResponseAsync())!.Status);
        }

        Assert.Equal(["203.0.113.7", "203.0.113.7", "198.51.100.9"], upstream.Requests.Select(r => Assert.Single(r.Values("X-Forwarded-For"))));
        await a.DisposeAsync();
        await b.DisposeAsync();
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Limiter.Total == 0 && terminator.Server.Limiter.TrackedAddresses == 0),
            "a charge was not released");
    }
    [Fact]
    public async Task BalancerConnectionsAwaitingTheirHeader_NotCountedAgainstTheBalancer()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => Proxied(ProxyProtocolMode.V1)(o) with { MaxConnectionsPerIp = 2 });

        // Three of the balancer's connections whose headers are still on their way: more than one client's limit.
        var waiting = new List<RawHttpClient>();
        for (int i = 0; i < 3; i++)
        {
            waiting.Add(await RawHttpClient.ConnectWithPreambleAsync(terminator.Http, "PROXY "u8.ToArray()));
        }

        try
        {
            Assert.True(await Eventually.TrueAsync(() => terminator.Server.ActiveConnections == 3));
            await using RawHttpClient next = await ConnectAsync(terminator, tls: false, s_v1);
            await next.SendAsync(Request("/q/next"));
            Assert.Equal(200, (await next.ReadResponseAsync())!.Status);
            Assert.Equal(0, terminator.Server.Metrics.ConnectionsRejectedByLimit);
            Assert.Equal(1, terminator.Server.Limiter.TrackedAddresses); // 203.0.113.7 only; the balancer holds no charge
        }
        finally
        {
            foreach (RawHttpClient client in waiting)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task UntrustedClients_StillLimitedAtAccept()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates,
            o => Proxied(ProxyProtocolMode.Any, trusted: "192.0.2.0/24")(o) with { MaxConnectionsPerIp = 2 });
        await using RawHttpClient first = await ConnectAsync(terminator, tls: false, []);
        await using RawHttpClient second = await ConnectAsync(terminator, tls: false, []);
        try
        {
            await using RawHttpClient third = await ConnectAsync(terminator, tls: false, []);
            Assert.True(await third.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
        }
        catch (System.Net.Sockets.SocketException)
        {
            // the reset can beat the connect's completion
        }

        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Metrics.ConnectionsRejectedByLimit == 1));
        await first.SendAsync(Request("/q/1"));
        Assert.Equal(200, (await first.ReadResponseAsync())!.Status);
    }
}
