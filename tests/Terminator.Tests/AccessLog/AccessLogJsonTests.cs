using System.Globalization;
using System.Text;
using System.Text.Json;
using Terminator.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.AccessLog;

/// <summary>TERMINATOR_ACCESS_LOG_FORMAT=json: each line one object with the documented names, parsed by System.Text.Json.</summary>
[Collection(EndToEndTests.Name)]
public sealed class AccessLogJsonTests(CertificateAuthorityFixture ca) : IDisposable
{
    private const string Site = "site0200.tracking.test";

    private static readonly string[] s_fieldNames =
    [
        "time", "remote_addr", "request", "status", "body_bytes_sent", "http_referer", "http_user_agent",
        "ssl_server_name", "ssl_protocol", "ssl_cipher", "upstream_addr", "upstream_status", "request_time",
        "upstream_connect_time", "upstream_header_time", "upstream_response_time", "connection_requests",
        "upstream_cache_status", "ja4",
    ];

    private readonly AccessLogFile _log = new();

    public void Dispose() => _log.Dispose();

    [Fact]
    public async Task ClickOverTlsAndOpenOverHttp_OneObjectPerLine_WithStableNames()
    {
        await using ScriptedUpstream upstream = TrackingUpstream.Start();
        await using TestTerminator terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates,
            o => o with { AccessLog = _log.Options(AccessLogFormat.Json) });
        await using (RawHttpClient tls = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root))
        {
            await tls.SendAsync($"GET /f/c?rid=1 HTTP/1.1\r\nHost: {Site}\r\nUser-Agent: Mail/1.0\r\n\r\n");
            Assert.Equal(302, (await tls.ReadResponseAsync())!.Status);
        }

        await using RawHttpClient plain = await RawHttpClient.ConnectPlainAsync(terminator.Http);
        await plain.SendAsync("GET /q/o.gif HTTP/1.0\r\nHost: a.test\r\n\r\n");
        Assert.Equal(200, (await plain.ReadResponseAsync())!.Status);

        // Two connections: their lines may arrive in either order.
        IReadOnlyList<string> lines = await _log.WaitForLinesAsync(2);
        using JsonDocument click = JsonDocument.Parse(lines.Single(l => l.Contains("GET /f/", StringComparison.Ordinal)));
        using JsonDocument open = JsonDocument.Parse(lines.Single(l => l.Contains("GET /q/", StringComparison.Ordinal)));
        Assert.Equal(s_fieldNames, click.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(s_fieldNames, open.RootElement.EnumerateObject().Select(p => p.Name));

        JsonElement c = click.RootElement;
        DateTime time = DateTime.Parse(c.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        Assert.InRange(time, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddSeconds(1));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", c.GetProperty("time").GetString());
        Assert.Equal("127.0.0.1", c.GetProperty("remote_addr").GetString());
        Assert.Equal("GET /f/c HTTP/1.1", c.GetProperty("request").GetString());
        Assert.Equal(302, c.GetProperty("status").GetInt32());
        Assert.Equal(0, c.GetProperty("body_bytes_sent").GetInt64());
        Assert.Equal(JsonValueKind.Null, c.GetProperty("http_referer").ValueKind);
        Assert.Equal("Mail/1.0", c.GetProperty("http_user_agent").GetString());
        Assert.Equal(Site, c.GetProperty("ssl_server_name").GetString());
        Assert.StartsWith("TLSv1.", c.GetProperty("ssl_protocol").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("TLS_", c.GetProperty("ssl_cipher").GetString(), StringComparison.Ordinal);
        Assert.Equal(upstream.EndPoint.ToString(), c.GetProperty("upstream_addr").GetString());
        Assert.Equal(302, c.GetProperty("upstream_status").GetInt32());
        Assert.True(c.GetProperty("request_time").GetDouble() >= c.GetProperty("upstream_response_time").GetDouble());
        Assert.True(c.GetProperty("upstream_header_time").GetDouble() >= c.GetProperty("upstream_connect_time").GetDouble());
        Assert.Equal(1, c.GetProperty("connection_requests").GetInt32());

        JsonElement o = open.RootElement;
        Assert.Equal("GET /q/o.gif HTTP/1.0", o.GetProperty("request").GetString());
        Assert.Equal((200, 43L), (o.GetProperty("status").GetInt32(), o.GetProperty("body_bytes_sent").GetInt64()));
        foreach (string absent in new[] { "http_referer", "http_user_agent", "ssl_server_name", "ssl_protocol", "ssl_cipher" })
        {
            Assert.Equal(JsonValueKind.Null, o.GetProperty(absent).ValueKind);
        }
    }

    [Fact]
    public async Task UserAgentWithQuotesControlAndNonUtf8Bytes_StillValidJson_EveryByteRecoverable()
    {
        await using ScriptedUpstream upstream = TrackingUpstream.Start();
        await using TestTerminator terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates,
            o => o with { AccessLog = _log.Options(AccessLogFormat.Json) });
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);
        byte[] userAgent = [.. "a \"b\" c\\d\te "u8, 0xC3, 0xA9, 0xFF, .. "\"}, {\"status\": 1"u8];

        await client.SendAsync([.. "GET /q/x.gif HTTP/1.1\r\nHost: a.test\r\nUser-Agent: "u8, .. userAgent, .. "\r\n\r\n"u8]);
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);

        string line = (await _log.WaitForLinesAsync(1))[0];
        using JsonDocument document = JsonDocument.Parse(line);
        Assert.Equal(Encoding.Latin1.GetString(userAgent), document.RootElement.GetProperty("http_user_agent").GetString());
        Assert.Equal(200, document.RootElement.GetProperty("status").GetInt32());
    }
}
