using System.Buffers.Binary;
using System.Net;
using System.Text;
using Terminator.ProxyProtocol;

namespace Terminator.Tests.ProxyProtocol;

/// <summary>The strict address text of v1 headers, checked against the BCL's parser for the forms both accept.</summary>
public sealed class IPAddressTextTests
{
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("127.0.0.1")]
    [InlineData("203.0.113.7")]
    [InlineData("255.255.255.255")]
    [InlineData("10.20.30.40")]
    public void TryParseIPv4_Canonical_SameAsIPAddress(string text)
    {
        Assert.True(IPAddressText.TryParseIPv4(Encoding.ASCII.GetBytes(text), out UInt128 value));
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(text).GetAddressBytes()), (uint)value);
        Assert.Equal(0u, (uint)(value >> 32));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("01.2.3.4")]
    [InlineData("1.2.3.00")]
    [InlineData("256.1.1.1")]
    [InlineData("1.2.3.1000")]
    [InlineData("1..3.4")]
    [InlineData(".1.2.3")]
    [InlineData("1.2.3.4.")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("2130706433")]
    [InlineData("1.2.3.4 ")]
    [InlineData("a.b.c.d")]
    public void TryParseIPv4_Ambiguous_Refused(string text) =>
        Assert.False(IPAddressText.TryParseIPv4(Encoding.ASCII.GetBytes(text), out _));

    [Theory]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("1::")]
    [InlineData("2001:db8::7")]
    [InlineData("2001:DB8::A")]
    [InlineData("2001:0db8:0000:0000:0000:0000:0000:0007")]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("1:2:3:4:5:6:7:8")]
    [InlineData("1::8")]
    [InlineData("1:2:3:4:5:6:7::")]
    [InlineData("::2:3:4:5:6:7:8")]
    [InlineData("1:2:3::6:7:8")]
    [InlineData("::ffff:203.0.113.7")]
    [InlineData("64:ff9b::192.0.2.33")]
    [InlineData("1:2:3:4:5:6:1.2.3.4")]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255")]
    [InlineData("fe80::abcd:ef01")]
    public void TryParseIPv6_Rfc4291Forms_SameAsIPAddress(string text)
    {
        Assert.True(IPAddressText.TryParseIPv6(Encoding.ASCII.GetBytes(text), out UInt128 value));
        Assert.Equal(BinaryPrimitives.ReadUInt128BigEndian(IPAddress.Parse(text).GetAddressBytes()), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData(":")]
    [InlineData(":::")]
    [InlineData(":1::")]
    [InlineData("1:")]
    [InlineData("1::2::3")]
    [InlineData("1:2:3:4:5:6:7")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1:2:3:4:5:6:7:8::")]
    [InlineData("::1:2:3:4:5:6:7:8")]
    [InlineData("12345::")]
    [InlineData("g::1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[::1]")]
    [InlineData("::ffff:1.2.3")]
    [InlineData("::ffff:01.2.3.4")]
    [InlineData("::1.2.3.4:5")]
    [InlineData("1:2:3:4:5:6:7:1.2.3.4")]
    [InlineData("1.2.3.4")]
    [InlineData("::1 ")]
    public void TryParseIPv6_NotAnAddress_Refused(string text) =>
        Assert.False(IPAddressText.TryParseIPv6(Encoding.ASCII.GetBytes(text), out _));
}
