using System.Buffers;
using System.Text;
using Terminator.Caching;
using Terminator.Http;

namespace Terminator.Tests.Caching;

/// <summary>The key: byte-exact in every part, and no two different requests write the same bytes.</summary>
public sealed class CacheKeyTests
{
    private static byte[] KeyOf(string head, bool https = true)
    {
        using var request = new HttpRequestHead(HttpLimits.Default);
        Assert.Equal(HttpParseResult.Complete, Http1RequestParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(head)), request, out _, out _));
        byte[] key = new byte[CacheKey.GetLength(request)];
        Assert.Equal(key.Length, CacheKey.Write(key, request, https));
        return key;
    }

    [Fact]
    public void SameRequest_SameKey_WhateverOtherFieldsSay()
    {
        Assert.Equal(
            KeyOf("GET /f/1?a=1 HTTP/1.1\r\nHost: t.example\r\nUser-Agent: UA\r\nAccept: */*\r\n\r\n"),
            KeyOf("GET /f/1?a=1 HTTP/1.1\r\nAccept-Language: de\r\nuser-agent: UA\r\nHost: t.example\r\n\r\n"));
    }

    [Theory]
    [InlineData("GET /f/1?a=2 HTTP/1.1\r\nHost: t.example\r\nUser-Agent: UA\r\n\r\n")]   // query
    [InlineData("GET /F/1?a=1 HTTP/1.1\r\nHost: t.example\r\nUser-Agent: UA\r\n\r\n")]   // path case
    [InlineData("HEAD /f/1?a=1 HTTP/1.1\r\nHost: t.example\r\nUser-Agent: UA\r\n\r\n")]  // method
    [InlineData("GET /f/1?a=1 HTTP/1.1\r\nHost: T.example\r\nUser-Agent: UA\r\n\r\n")]   // Host, byte-exact
    [InlineData("GET /f/1?a=1 HTTP/1.1\r\nHost: t.example\r\nUser-Agent: ua\r\n\r\n")]   // User-Agent, byte-exact
    [InlineData("GET /f/1?a=1 HTTP/1.1\r\nHost: t.example\r\n\r\n")]                     // no User-Agent
    [InlineData("GET /f/1?a=1 HTTP/1.1\r\nHost: t.example\r\nUser-Agent: UA\r\nUser-Agent: X\r\n\r\n")]
    public void AnyPartDiffers_KeyDiffers(string other)
    {
        Assert.NotEqual(KeyOf("GET /f/1?a=1 HTTP/1.1\r\nHost: t.example\r\nUser-Agent: UA\r\n\r\n"), KeyOf(other));
    }

    [Fact]
    public void PartsAreLengthPrefixed_SoMovingBytesAcrossABoundaryChangesTheKey()
    {
        Assert.NotEqual(
            KeyOf("GET /ab HTTP/1.1\r\nHost: t.example\r\nUser-Agent: c\r\n\r\n"),
            KeyOf("GET /a HTTP/1.1\r\nHost: t.example\r\nUser-Agent: bc\r\n\r\n"));
    }

    [Fact]
    public void Scheme_IsPartOfTheKey()
    {
        const string head = "GET /f/1 HTTP/1.1\r\nHost: t.example\r\n\r\n";
        Assert.NotEqual(KeyOf(head, https: true), KeyOf(head, https: false));
    }
}
