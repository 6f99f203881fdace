using System.Text;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

public class ClientHelloParserTests
{
    private const TlsVersionFlags Tls12And13 = TlsVersionFlags.Tls12 | TlsVersionFlags.Tls13;

    [Theory]
    [MemberData(nameof(ClientHelloCaptures.All), MemberType = typeof(ClientHelloCaptures))]
    public void TryParse_RealCapture_ReturnsExactSniAlpnAndVersions(string name)
    {
        byte[] capture = ClientHelloCaptures.Load(name);
        var (serverName, alpn, versions) = ClientHelloCaptures.Expected[name];

        var status = Parse(capture, out var info, out string host);

        Assert.Equal(ClientHelloParseStatus.Success, status);
        Assert.Equal(serverName, host);
        Assert.Equal(serverName.Length, info.ServerNameLength);
        Assert.Equal(alpn, info.Alpn);
        Assert.Equal(versions, info.OfferedVersions);
    }

    [Fact]
    public void TryParse_TrailingBytesAfterHelloRecords_Ignored()
    {
        // The client may pipeline e.g. a TLS 1.3 early-data record; the hello is parsed from its own records only.
        byte[] capture = ClientHelloCaptures.Load(ClientHelloCaptures.Curl);
        byte[] withMore = [.. capture, 23, 3, 3, 0, 2, 0xAA, 0xBB];

        Assert.Equal(ClientHelloParseStatus.Success, Parse(withMore, out var info, out string host));
        Assert.Equal(ClientHelloCaptures.Expected[ClientHelloCaptures.Curl].ServerName, host);
    }

    [Fact]
    public void TryParse_BrowserLikeGrease_IgnoresGreaseEverywhere()
    {
        byte[] hello = ClientHelloBuilder.BrowserLike("Shop.Example.COM.").Build();

        Assert.Equal(ClientHelloParseStatus.Success, Parse(hello, out var info, out string host));
        Assert.Equal("shop.example.com", host);
        Assert.Equal(AlpnFlags.Http2 | AlpnFlags.Http11, info.Alpn);
        Assert.Equal(Tls12And13, info.OfferedVersions);
    }

    [Fact]
    public void TryParse_ExtensionsInAnyOrder_SameResult()
    {
        var random = new Random(8446);
        for (int i = 0; i < 50; i++)
        {
            var builder = ClientHelloBuilder.BrowserLike("click.example.com");
            var shuffled = builder.Extensions.OrderBy(_ => random.Next()).ToList();
            builder.Extensions.Clear();
            builder.Extensions.AddRange(shuffled);

            Assert.Equal(ClientHelloParseStatus.Success, Parse(builder.Build(), out var info, out string host));
            Assert.Equal("click.example.com", host);
            Assert.Equal(AlpnFlags.Http2 | AlpnFlags.Http11, info.Alpn);
            Assert.Equal(Tls12And13, info.OfferedVersions);
        }
    }

    [Fact]
    public void TryParse_NoSni_SuccessWithZeroLength()
    {
        var hello = new ClientHelloBuilder().WithAlpn("h2").Build();

        Assert.Equal(ClientHelloParseStatus.Success, Parse(hello, out var info, out _));
        Assert.Equal(0, info.ServerNameLength);
        Assert.Equal(AlpnFlags.Http2, info.Alpn);
    }

    [Fact]
    public void TryParse_NoExtensionsAtAll_SuccessFromLegacyVersion()
    {
        // RFC 5246 §7.4.1.2: a TLS 1.0 client without extensions ends after compression_methods.
        var hello = new ClientHelloBuilder { LegacyVersion = 0x0301, IncludeExtensions = false }.Build();

        Assert.Equal(ClientHelloParseStatus.Success, Parse(hello, out var info, out _));
        Assert.Equal(TlsVersionFlags.Tls10, info.OfferedVersions);
        Assert.Equal(0, info.ServerNameLength);
        Assert.Equal(AlpnFlags.None, info.Alpn);
    }

    [Theory]
    [InlineData((ushort)0x0300, TlsVersionFlags.None)]
    [InlineData((ushort)0x0301, TlsVersionFlags.Tls10)]
    [InlineData((ushort)0x0302, TlsVersionFlags.Tls11)]
    [InlineData((ushort)0x0303, TlsVersionFlags.Tls12)]
    public void TryParse_NoSupportedVersions_UsesLegacyVersion(ushort legacy, object expected)
    {
        var hello = new ClientHelloBuilder { LegacyVersion = legacy }.WithServerName("a.example").Build();

        Assert.Equal(ClientHelloParseStatus.Success, Parse(hello, out var info, out _));
        Assert.Equal((TlsVersionFlags)expected, info.OfferedVersions);
    }

    [Fact]
    public void TryParse_SupportedVersionsPresent_IgnoresLegacyVersion()
    {
        // RFC 8446 §4.2.1: servers MUST ignore legacy_version when supported_versions is present.
        var onlyTls13 = new ClientHelloBuilder().WithSupportedVersions(0x0304).Build();
        var onlyGrease = new ClientHelloBuilder().WithSupportedVersions(0x0a0a, 0x7f1c).Build();

        Assert.Equal(ClientHelloParseStatus.Success, Parse(onlyTls13, out var info, out _));
        Assert.Equal(TlsVersionFlags.Tls13, info.OfferedVersions);
        Assert.Equal(ClientHelloParseStatus.Success, Parse(onlyGrease, out info, out _));
        Assert.Equal(TlsVersionFlags.None, info.OfferedVersions);
    }

    [Theory]
    [InlineData(AlpnFlags.Http11, "http/1.1")]
    [InlineData(AlpnFlags.Http2, "h2")]
    [InlineData(AlpnFlags.Other, "h3")]
    [InlineData(AlpnFlags.Other | AlpnFlags.Http11, "HTTP/1.1", "http/1.1")]
    [InlineData(AlpnFlags.Other, "h2c")]
    [InlineData(AlpnFlags.None, "\u000a\u000a")]
    [InlineData(AlpnFlags.Http2 | AlpnFlags.Http11 | AlpnFlags.AcmeTls1, "\u00fa\u00fa", "acme-tls/1", "http/1.1", "h2")]
    [InlineData(AlpnFlags.AcmeTls1, "acme-tls/1")]
    [InlineData(AlpnFlags.Other, "acme-tls/2")]
    public void TryParse_Alpn_MapsProtocols(object expected, params string[] protocols)
    {
        var builder = new ClientHelloBuilder();
        builder.AddExtension(16, ClientHelloBuilder.Vector16(ClientHelloBuilder.Concat(
            protocols.Select(p => ClientHelloBuilder.Vector8(Encoding.Latin1.GetBytes(p))))));

        Assert.Equal(ClientHelloParseStatus.Success, Parse(builder.Build(), out var info, out _));
        Assert.Equal((AlpnFlags)expected, info.Alpn);
    }

    [Fact]
    public void TryParse_OnlyNonHostNameTypes_NoSni()
    {
        // RFC 6066 §3: only host_name(0) is defined; other types are skipped.
        var builder = new ClientHelloBuilder().AddExtension(0, ClientHelloBuilder.ServerNameList((1, [1, 2, 3])));

        Assert.Equal(ClientHelloParseStatus.Success, Parse(builder.Build(), out var info, out _));
        Assert.Equal(0, info.ServerNameLength);
    }

    [Fact]
    public void TryParse_HostNameAfterUnknownType_Found()
    {
        var builder = new ClientHelloBuilder().AddExtension(0, ClientHelloBuilder.ServerNameList((7, [9]), (0, "x.example"u8.ToArray())));

        Assert.Equal(ClientHelloParseStatus.Success, Parse(builder.Build(), out _, out string host));
        Assert.Equal("x.example", host);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("exa_mple.com")]
    [InlineData("example..com")]
    [InlineData("bücher.example")]
    [InlineData(".")]
    public void TryParse_InvalidHostName_InvalidServerName(string host)
    {
        var hello = new ClientHelloBuilder().WithServerName(host).Build();

        Assert.Equal(ClientHelloParseStatus.InvalidServerName, Parse(hello, out var info, out _));
        Assert.Equal(0, info.ServerNameLength);
    }

    [Fact]
    public void TryParse_HostNameLongerThan255_InvalidServerName()
    {
        var hello = new ClientHelloBuilder().WithServerName(string.Join('.', Enumerable.Repeat("abcdefgh", 100))).Build();

        Assert.Equal(ClientHelloParseStatus.InvalidServerName, Parse(hello, out _, out _));
    }

    [Fact]
    public void TryParse_SmallServerNameBuffer_Throws()
    {
        byte[] capture = ClientHelloCaptures.Load(ClientHelloCaptures.Curl);

        Assert.Throws<ArgumentException>(() => ClientHelloParser.TryParse(capture, new byte[254], out _));
    }

    internal static ClientHelloParseStatus Parse(byte[] bytes, out ClientHelloInfo info, out string host)
    {
        var serverName = new byte[ClientHelloParser.MaxServerNameLength];
        var status = ClientHelloParser.TryParse(bytes, serverName, out info);
        host = Encoding.ASCII.GetString(serverName, 0, info.ServerNameLength);
        return status;
    }
}
