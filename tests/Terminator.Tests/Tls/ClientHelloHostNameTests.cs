using System.Text;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

public class ClientHelloHostNameTests
{
    [Theory]
    [InlineData("click.example.com", "click.example.com")]
    [InlineData("Click.EXAMPLE.com", "click.example.com")]
    [InlineData("click.example.com.", "click.example.com")]
    [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example")]
    [InlineData("XN--BCHER-KVA.Example.", "xn--bcher-kva.example")]
    [InlineData("localhost", "localhost")]
    [InlineData("a", "a")]
    [InlineData("1.example.com", "1.example.com")]
    [InlineData("a-b.c-d9.com", "a-b.c-d9.com")]
    [InlineData("x.1com", "x.1com")]
    public void TryNormalize_ValidHostName_WritesLowerCaseWithoutTrailingDot(string input, string expected)
    {
        var destination = new byte[255];
        Assert.True(ClientHelloHostName.TryNormalize(Encoding.ASCII.GetBytes(input), destination, out int length));
        Assert.Equal(expected, Encoding.ASCII.GetString(destination, 0, length));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("example..com")]
    [InlineData(".example.com")]
    [InlineData("example.com..")]
    [InlineData("-example.com")]
    [InlineData("example-.com")]
    [InlineData("example.-com")]
    [InlineData("exa_mple.com")]
    [InlineData("exa mple.com")]
    [InlineData("example.com:443")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1.")]
    [InlineData("10.1")]
    [InlineData("123.456")]
    [InlineData("::1")]
    [InlineData("[::1]")]
    [InlineData("2001:db8::1")]
    [InlineData("bücher.example")]
    [InlineData("exa\0mple.com")]
    [InlineData("example.com/")]
    [InlineData("*.example.com")]
    public void TryNormalize_InvalidHostName_ReturnsFalse(string input)
    {
        Assert.False(ClientHelloHostName.TryNormalize(Encoding.UTF8.GetBytes(input), new byte[255], out int length));
        Assert.Equal(0, length);
    }

    [Fact]
    public void TryNormalize_LabelLengthLimits_Enforced()
    {
        var destination = new byte[255];
        Assert.True(ClientHelloHostName.TryNormalize(Encoding.ASCII.GetBytes(new string('a', 63) + ".com"), destination, out _));
        Assert.False(ClientHelloHostName.TryNormalize(Encoding.ASCII.GetBytes(new string('a', 64) + ".com"), destination, out _));
    }

    [Fact]
    public void TryNormalize_TotalLengthLimits_Enforced()
    {
        // 4 labels of 63 = 255 chars with dots: too long; trim to exactly 253.
        string label = new('a', 63);
        string tooLong = string.Join('.', label, label, label, label);
        string max = tooLong[..253];
        var destination = new byte[255];

        Assert.True(ClientHelloHostName.TryNormalize(Encoding.ASCII.GetBytes(max), destination, out int length));
        Assert.Equal(253, length);
        Assert.True(ClientHelloHostName.TryNormalize(Encoding.ASCII.GetBytes(max + "."), destination, out length));
        Assert.Equal(253, length);
        Assert.False(ClientHelloHostName.TryNormalize(Encoding.ASCII.GetBytes(tooLong[..254]), destination, out _));
        Assert.False(ClientHelloHostName.TryNormalize(Encoding.ASCII.GetBytes(tooLong), destination, out _));
    }
}
