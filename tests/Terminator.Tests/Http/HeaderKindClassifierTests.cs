using System.Text;
using Terminator.Http;

namespace Terminator.Tests.Http;

public sealed class HeaderKindClassifierTests
{
    [Theory]
    [InlineData("Forwarded", HeaderKind.Forwarded)]
    [InlineData("FORWARDED", HeaderKind.Forwarded)]
    [InlineData("X-Forwarded-For", HeaderKind.XForwardedFor)]
    [InlineData("x_forwarded_for", HeaderKind.XForwardedFor)]
    [InlineData("X-Forwarded_For", HeaderKind.XForwardedFor)]
    [InlineData("X-Forwarded-Proto", HeaderKind.XForwardedProto)]
    [InlineData("X_FORWARDED_PROTO", HeaderKind.XForwardedProto)]
    [InlineData("X-Forwarded-Host", HeaderKind.XForwardedHost)]
    [InlineData("x_forwarded_host", HeaderKind.XForwardedHost)]
    [InlineData("X-Forwarded-Port", HeaderKind.XForwardedPort)]
    [InlineData("X-Real-IP", HeaderKind.XRealIp)]
    [InlineData("x-real-ip", HeaderKind.XRealIp)]
    [InlineData("X_Real_Ip", HeaderKind.XRealIp)]
    [InlineData("Proxy-Connection", HeaderKind.ProxyConnection)]
    [InlineData("Transfer-Encoding", HeaderKind.TransferEncoding)]
    [InlineData("Transfer_Encoding", HeaderKind.Other)] // only the forwarding family has an underscore twin
    [InlineData("Proxy_Connection", HeaderKind.Other)]
    [InlineData("X-Forwarded-Fox", HeaderKind.Other)]
    [InlineData("X.Forwarded.For", HeaderKind.Other)]
    [InlineData("X-Forwarded-For\u0000", HeaderKind.Other)]
    [InlineData("X-Real-IPv", HeaderKind.Other)]
    [InlineData("Forwarder", HeaderKind.Other)]
    public void Classify_ForwardingNames(string name, object expected)
    {
        Assert.Equal((HeaderKind)expected, HeaderKindClassifier.Classify(Encoding.Latin1.GetBytes(name)));
    }

    [Theory]
    [InlineData("Server", HeaderKind.Server)]
    [InlineData("sErVeR", HeaderKind.Server)]
    [InlineData("X-Powered-By", HeaderKind.XPoweredBy)]
    [InlineData("x-powered-by", HeaderKind.XPoweredBy)]
    [InlineData("Strict-Transport-Security", HeaderKind.StrictTransportSecurity)]
    [InlineData("STRICT-TRANSPORT-SECURITY", HeaderKind.StrictTransportSecurity)]
    [InlineData("Expect", HeaderKind.Expect)]
    [InlineData("Served", HeaderKind.Other)]
    [InlineData("Server-Timing", HeaderKind.Other)]
    [InlineData("X_Powered_By", HeaderKind.Other)] // a response field: no CGI mapping to defend against
    [InlineData("X-Powered-Bx", HeaderKind.Other)]
    public void Classify_ResponsePolicyNames(string name, object expected)
    {
        Assert.Equal((HeaderKind)expected, HeaderKindClassifier.Classify(Encoding.Latin1.GetBytes(name)));
    }
}
