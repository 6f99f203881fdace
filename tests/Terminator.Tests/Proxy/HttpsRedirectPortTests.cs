using System.Net;
using System.Text;
using Terminator.Listener;
using Terminator.Proxy;

namespace Terminator.Tests.Proxy;

/// <summary>The port a redirect's Location names: none when the TLS side listens on 443, else the first TLS port.</summary>
public sealed class HttpsRedirectPortTests
{
    [Theory]
    [InlineData("", 443)]
    [InlineData("", 8443, 443)]
    [InlineData("", 443, 8443)]
    [InlineData(":8443", 8443)]
    [InlineData(":8443", 8443, 9443)]
    public void UseHttpsEndPoints_PortSuffix(string expected, params int[] ports)
    {
        var redirect = new HttpsRedirect(new NoNames());
        redirect.UseHttpsEndPoints([.. ports.Select(p => new IPEndPoint(IPAddress.Any, p))]);

        Assert.Equal(expected, Encoding.ASCII.GetString(redirect.PortSuffix));
    }

    private sealed class NoNames : IServedHostNames
    {
        public bool HasValidCertificateFor(ReadOnlySpan<byte> hostName) => false;
    }
}
