using System.Text;
using Terminator.Samples.Origin;

namespace Terminator.Tests.Origin;

public sealed class RedirectTargetTests
{
    [Theory]
    [InlineData("/f/1?target=abc", "abc")]
    [InlineData("/f/1?a=1&target=abc&target=def", "abc")]
    [InlineData("/f/1?xtarget=no&target=", "")]
    public void TryFindParameter_FirstTargetWins(string requestTarget, string expected)
    {
        Assert.True(RedirectTarget.TryFindParameter(Encoding.ASCII.GetBytes(requestTarget), out ReadOnlySpan<byte> value));
        Assert.Equal(expected, Encoding.ASCII.GetString(value));
    }

    [Theory]
    [InlineData("/f/1")]
    [InlineData("/f/1?xtarget=a")]
    [InlineData("/f/1?Target=a")]
    public void TryFindParameter_Absent_False(string requestTarget) =>
        Assert.False(RedirectTarget.TryFindParameter(Encoding.ASCII.GetBytes(requestTarget), out _));

    [Theory]
    [InlineData("http%3A%2F%2Fa%2F%C3%A9%20x", "http://a/%C3%A9%20x")]
    [InlineData("https://a/%2541", "https://a/%41")]
    [InlineData("https://a/b+c", "https://a/b+c")]
    public void DecodeThenWriteLocation_ReencodesOnlySpaceAndNonAscii(string encoded, string expectedLocation)
    {
        byte[] input = Encoding.ASCII.GetBytes(encoded);
        var decoded = new byte[input.Length];
        Assert.True(RedirectTarget.TryDecode(input, decoded, out int length));
        var location = new byte[RedirectTarget.GetLocationLength(decoded.AsSpan(0, length))];
        Assert.Equal(location.Length, RedirectTarget.WriteLocation(decoded.AsSpan(0, length), location));
        Assert.Equal(expectedLocation, Encoding.ASCII.GetString(location));
    }

    [Theory]
    [InlineData("")]
    [InlineData("http:")]
    [InlineData("http://")]
    [InlineData("http:/a")]
    [InlineData("//a.example/")]
    [InlineData("mailto%3Ax%40y")]
    [InlineData("http://?q")]
    [InlineData("http://%20a")]
    [InlineData("http://a/%09")]
    [InlineData("http://a/%7F")]
    [InlineData("http://a/%G0")]
    [InlineData("http://a/%0")]
    public void TryDecode_InvalidOrUnsafe_False(string encoded)
    {
        byte[] input = Encoding.ASCII.GetBytes(encoded);
        Assert.False(RedirectTarget.TryDecode(input, new byte[input.Length], out _));
    }
}
