using System.Text;
using Terminator.Http;

namespace Terminator.Tests.Http;

public sealed class HostFieldParserTests
{
    private static byte[] Bytes(string s) => Encoding.Latin1.GetBytes(s);

    [Theory]
    [InlineData("Click.Shop.Example:443", "click.shop.example")]
    [InlineData("click.shop.example", "click.shop.example")]
    [InlineData("CLICK.SHOP.EXAMPLE.", "click.shop.example")]
    [InlineData("Click.Shop.Example.:8443", "click.shop.example")]
    [InlineData("click.shop.example:", "click.shop.example")]
    [InlineData("[::1]:8443", "::1")]
    [InlineData("[2001:DB8::A]", "2001:db8::a")]
    [InlineData("[::FFFF:192.0.2.1]:443", "::ffff:192.0.2.1")]
    [InlineData("192.0.2.1:80", "192.0.2.1")]
    [InlineData("xn--caf-dma.example", "xn--caf-dma.example")]
    [InlineData("_dmarc.Example", "_dmarc.example")]
    [InlineData("localhost", "localhost")]
    public void TryGetHostName_ValidHost_LowerCasedNameWithoutPort(string value, string expected)
    {
        Span<byte> destination = stackalloc byte[HostFieldParser.MaxHostNameLength];
        Assert.True(HostFieldParser.TryGetHostName(Bytes(value), destination, out int length));
        Assert.Equal(expected, Encoding.Latin1.GetString(destination[..length]));
    }

    [Theory]
    [InlineData("")]
    [InlineData(":443")]
    [InlineData(".")]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("user@a.example")]
    [InlineData("a.example:https")]
    [InlineData("a.example:443:443")]
    [InlineData("a.example:65536")]
    [InlineData("a.example:000443")]
    [InlineData("a.example:-1")]
    [InlineData("%61.example")]          // valid reg-name, but no certificate names a pct-encoded host
    [InlineData("a!b.example")]          // valid reg-name (sub-delims), same
    [InlineData("caf\u00e9.example")]
    [InlineData("[::1")]
    [InlineData("::1")]
    [InlineData("[::1]x")]
    [InlineData("[::1]]")]
    [InlineData("[]")]
    [InlineData("[v1.fe80::a]")]
    [InlineData("[fe80::1%25eth0]")]
    [InlineData("[1:2:3:4:5:6:7:8:9]")]
    [InlineData("[1::2::3]")]
    [InlineData("[12345::]")]
    [InlineData("[::1.2.3.256]")]
    [InlineData("[::01.2.3.4]")]
    [InlineData("[1.2.3.4]")]
    [InlineData("[:1]")]
    [InlineData("[1:]")]
    public void TryGetHostName_EmptyOrGarbage_False(string value)
    {
        Span<byte> destination = stackalloc byte[HostFieldParser.MaxHostNameLength];
        Assert.False(HostFieldParser.TryGetHostName(Bytes(value), destination, out int length));
        Assert.Equal(0, length);
    }

    [Fact]
    public void TryGetHostName_LabelAndNameLengthLimits()
    {
        Span<byte> destination = stackalloc byte[HostFieldParser.MaxHostNameLength];
        string label63 = new('a', 63);
        Assert.True(HostFieldParser.TryGetHostName(Bytes(label63 + ".example"), destination, out _));
        Assert.False(HostFieldParser.TryGetHostName(Bytes(label63 + "a.example"), destination, out _));

        string name253 = string.Join('.', Enumerable.Repeat(label63, 3)) + "." + new string('b', 61); // 63*3 + 3 + 61
        Assert.Equal(253, name253.Length);
        Assert.True(HostFieldParser.TryGetHostName(Bytes(name253 + ":443"), destination, out int length));
        Assert.Equal(253, length);
        Assert.False(HostFieldParser.TryGetHostName(Bytes(name253 + "b"), destination, out _));
        Assert.False(HostFieldParser.TryGetHostName(Bytes("a.example"), stackalloc byte[4], out _));
    }

    [Theory]
    [InlineData("a.example", "a.example", -1)]
    [InlineData("a.example:8443", "a.example", 8443)]
    [InlineData("a.example:", "a.example", -1)]
    [InlineData("[::1]:443", "::1", 443)]
    [InlineData("[::]", "::", -1)]
    [InlineData("", "", -1)]
    [InlineData("%41!$&'()*+,;=~_-.x", "%41!$&'()*+,;=~_-.x", -1)]
    [InlineData("a.example:0", "a.example", 0)]
    [InlineData("a.example:65535", "a.example", 65535)]
    public void TrySplit_ValidHostField_HostAndPort(string value, string host, int port)
    {
        byte[] bytes = Bytes(value);
        Assert.True(HostFieldParser.TrySplit(bytes, out int start, out int length, out int parsedPort));
        Assert.Equal(host, Encoding.Latin1.GetString(bytes, start, length));
        Assert.Equal(port, parsedPort);
    }

    [Theory]
    [InlineData("%4")]
    [InlineData("%zz")]
    [InlineData("a[b")]
    [InlineData("a]")]
    [InlineData("a@b")]
    public void TrySplit_InvalidRegName_False(string value)
    {
        Assert.False(HostFieldParser.TrySplit(Bytes(value), out _, out _, out _));
    }

    [Theory]
    [InlineData("a.example", "A.EXAMPLE", 443, true)]
    [InlineData("a.example", "a.example:443", 443, true)]
    [InlineData("a.example:80", "a.example", 80, true)]
    [InlineData("a.example:", "a.example:443", 443, true)]
    [InlineData("a.example:443", "a.example", 80, false)]
    [InlineData("a.example:8443", "a.example", 443, false)]
    [InlineData("a.example", "b.example", 443, false)]
    [InlineData("a.example", "a.example.", 443, false)]
    [InlineData("[::1]:443", "[::1]", 443, true)]
    [InlineData("", "a.example", 443, false)]
    [InlineData("a b", "a b", 443, false)]
    public void AreSameAuthority_CaseAndDefaultPortAside(string a, string b, int defaultPort, bool expected)
    {
        Assert.Equal(expected, HostFieldParser.AreSameAuthority(Bytes(a), Bytes(b), defaultPort));
    }

    [Fact]
    public void TryGetHostName_Repeated_AllocatesZeroBytes()
    {
        byte[] host = Bytes("Click.Shop.Example:443");
        byte[] literal = Bytes("[2001:DB8::A]:8443");
        byte[] destination = new byte[HostFieldParser.MaxHostNameLength];
        for (int i = 0; i < 100; i++)
        {
            HostFieldParser.TryGetHostName(host, destination, out _);
            HostFieldParser.TryGetHostName(literal, destination, out _);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            HostFieldParser.TryGetHostName(host, destination, out _);
            HostFieldParser.TryGetHostName(literal, destination, out _);
            HostFieldParser.AreSameAuthority(host, literal, 443);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
